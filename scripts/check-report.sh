#!/usr/bin/env bash
# Opens an HTML report in headless Chromium, checks that every <img> loaded and that the page fetched nothing
# from outside itself, and saves a full-page screenshot.
#
#   scripts/check-report.sh REPORT.html OUT.png
#
# Exit codes: 0 all images loaded, nothing external; 1 the check failed (broken image, external resource,
# page never finished loading); 2 cannot check (bad arguments, no Chromium, Chromium crashed).
#
# How: the report is copied into a fresh temporary folder with a small script appended. On the page's load
# event that script counts images that are complete with a natural width > 0, lists the broken ones, lists
# every resource the page fetched that is not a data: URI, and writes the results as data-apc-* attributes
# on <body>. Chromium's --dump-dom prints the DOM after the load event; this script reads the attributes
# back. Because the copy sits alone in an empty folder, an image given by a relative path cannot load: the
# check also proves the report is self-contained. The report itself needs no script of its own.
# The first run uses a short window so that scrollHeight is the content's height, not the window's; a
# second run takes the screenshot at that height (capped at 16000 pixels).
#
# Environment: CHROMIUM=path overrides the browser; CHECK_REPORT_TIMEOUT=seconds per Chromium run (default 90).

set -euo pipefail

die() { echo "check-report: $*" >&2; exit 2; }
fail() { echo "check-report: FAILED: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: scripts/check-report.sh REPORT.html OUT.png"
report=$1
out=$2
[ -f "$report" ] && [ -r "$report" ] || die "report '$report' not found or not readable."
case "$out" in *.png) ;; *) die "screenshot path '$out' must end in .png." ;; esac
out_dir=$(dirname -- "$out")
[ -d "$out_dir" ] && [ -w "$out_dir" ] || die "screenshot folder '$out_dir' does not exist or is not writable."
out_abs="$(cd -- "$out_dir" && pwd)/$(basename -- "$out")"
timeout_s=${CHECK_REPORT_TIMEOUT:-90}

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then
    [ -x "$CHROMIUM" ] || die "CHROMIUM='$CHROMIUM' is not an executable file."
    echo "$CHROMIUM"; return
  fi
  local candidate
  for candidate in /usr/bin/chromium chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-report: Chromium is missing; installing the Debian package 'chromium'..." >&2
    if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1 || true
    fi
    if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; return; fi
  fi
  die "Chromium not found. Install the Debian package 'chromium' (apt-get install chromium) or set CHROMIUM=/path/to/chrome."
}
chromium=$(find_chromium)

work=$(mktemp -d "${TMPDIR:-/tmp}/check-report.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
page="$work/page.html"
page_url="file://${page// /%20}"

# The page's own markup first, then the checker. HTML parsers put content found after </html> into <body>,
# so appending works for any page. readyState covers a page that had finished loading before the script ran.
cat -- "$report" > "$page"
cat >> "$page" <<'CHECKER'
<script>
(function () {
  var body = document.body || document.documentElement;
  body.setAttribute('data-apc-check', 'pending');
  function clean(text) { return String(text).replace(/[|"<>\r\n]/g, ' ').slice(0, 120); }
  function check() {
    var images = document.images, ok = 0, broken = [];
    for (var i = 0; i < images.length; i++) {
      var img = images[i];
      if (img.complete && img.naturalWidth > 0) ok++;
      else broken.push('#' + (i + 1) + ' ' + clean(img.getAttribute('alt') || (img.getAttribute('src') || '').slice(0, 60)));
    }
    var external = [];
    if (window.performance && performance.getEntriesByType) {
      var entries = performance.getEntriesByType('resource');
      for (var j = 0; j < entries.length; j++)
        if (entries[j].name.indexOf('data:') !== 0) external.push(clean(entries[j].name));
    }
    body.setAttribute('data-apc-images', ok + '/' + images.length);
    body.setAttribute('data-apc-broken', broken.join(' | '));
    body.setAttribute('data-apc-external', external.join(' | '));
    body.setAttribute('data-apc-height', String(Math.ceil(Math.max(
      document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))));
    body.setAttribute('data-apc-viewport', String(window.innerHeight));
    body.setAttribute('data-apc-check', 'done');
  }
  if (document.readyState === 'complete') check(); else window.addEventListener('load', check);
})();
</script>
CHECKER

run_chromium() { # profile-name, then extra flags and the URL
  local profile="$work/$1"; shift
  timeout --kill-after=10 "$timeout_s" "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --no-default-browser-check --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --mute-audio --hide-scrollbars --user-data-dir="$profile" "$@"
}

width=1400
set +e
run_chromium profile-dom --window-size=$width,600 --virtual-time-budget=10000 --dump-dom "$page_url" \
  > "$work/dom.html" 2> "$work/dom.log"
status=$?
set -e
if [ $status -ne 0 ]; then
  tail -n 15 "$work/dom.log" >&2
  [ $status -eq 124 ] && die "Chromium did not finish within ${timeout_s}s (CHECK_REPORT_TIMEOUT)."
  die "Chromium failed with exit code $status while loading the report (log above)."
fi

attr() { grep -o "data-apc-$1=\"[^\"]*\"" "$work/dom.html" | head -n 1 | sed -e "s/^data-apc-$1=\"//" -e 's/"$//' || true; }
state=$(attr check)
if [ "$state" != done ]; then
  tail -n 15 "$work/dom.log" >&2
  if [ "$state" = pending ]; then fail "the page never finished loading (a resource outside the report kept it waiting?)."; fi
  fail "the page check did not run: Chromium could not load or parse '$report'."
fi
images=$(attr images)
broken=$(attr broken)
external=$(attr external)
height=$(attr height)
viewport=$(attr viewport)
loaded=${images%/*}
total=${images#*/}

problems=()
[ "$loaded" = "$total" ] || problems+=("$((total - loaded)) of $total images did not load: $broken")
[ -z "$external" ] || problems+=("the page fetched resources outside itself: $external")

# Screenshot of the whole page, even when the check failed: it shows what a reader would see.
case "$height" in ''|*[!0-9]*) height=4000 ;; esac
[ "$height" -ge 400 ] || height=400
# --window-size counts some window chrome even when headless: add what the 600-pixel window lost.
case "$viewport" in ''|*[!0-9]*) viewport=600 ;; esac
[ "$viewport" -le 600 ] && height=$((height + 600 - viewport))
cut_note=""
if [ "$height" -gt 16000 ]; then cut_note=" (page is ${height}px tall; screenshot cut at 16000)"; height=16000; fi
rm -f -- "$out_abs"
set +e
run_chromium profile-shot --window-size=$width,$height --virtual-time-budget=10000 --screenshot="$out_abs" "$page_url" \
  > "$work/shot.log" 2>&1
status=$?
set -e
if [ $status -ne 0 ] || [ ! -s "$out_abs" ] || [ "$(head -c 4 "$out_abs" | od -An -c | tr -d ' ')" != '211PNG' ]; then
  tail -n 15 "$work/shot.log" >&2
  die "Chromium did not write the screenshot '$out' (exit code $status)."
fi

if [ ${#problems[@]} -gt 0 ]; then
  for problem in "${problems[@]}"; do echo "check-report: FAILED: $problem" >&2; done
  echo "check-report: screenshot of the failing page: $out (${width}x${height})" >&2
  exit 1
fi
[ "$total" != 0 ] || echo "check-report: warning: the report has no images at all." >&2
echo "check-report: OK: $images images loaded, nothing fetched from outside the report; screenshot $out (${width}x${height})$cut_note"
