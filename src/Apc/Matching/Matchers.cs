using Apc.Util;

namespace Apc.Matching;

/// <summary>The registry of attribution matchers by name (what --match takes): none, wcam, at, and whatever user code
/// adds with <see cref="Register"/> (docs/extending.md, "A matcher").</summary>
public static class Matchers
{
    static readonly Registry<Func<MatcherOptions, IAttributionMatcher>> registry = Create();

    static Registry<Func<MatcherOptions, IAttributionMatcher>> Create()
    {
        var r = new Registry<Func<MatcherOptions, IAttributionMatcher>>("matcher");
        r.Register(MatchingKind.None, o => { o.Validated(); return NoMatching.Instance; });
        r.Register(MatchingKind.Wcam, o => new WcamMatcher(o));
        r.Register(MatchingKind.At, o => new AttentionTransferMatcher(o));
        return r;
    }

    /// <summary>Registered names in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names => registry.Names;

    /// <summary>Adds a matcher under <paramref name="name"/>; <paramref name="factory"/> receives the options with
    /// <see cref="MatcherOptions.Kind"/> = the name. A taken name is an <see cref="ArgumentException"/>.</summary>
    public static void Register(string name, Func<MatcherOptions, IAttributionMatcher> factory) => registry.Register(name, factory);

    /// <summary>Whether <paramref name="name"/> is registered (case-insensitive).</summary>
    public static bool Contains(string? name) => registry.Contains(name);

    /// <summary>Builds the matcher that <paramref name="options"/> describe (the matcher checks them); an unknown kind is
    /// a <see cref="UsageException"/> that lists the valid names.</summary>
    public static IAttributionMatcher Create(MatcherOptions options)
    {
        var factory = registry.Find(options.Kind)
            ?? throw new UsageException($"--match: unknown matcher '{options.Kind}'; valid: {registry.Valid}.");
        return factory(options);
    }
}
