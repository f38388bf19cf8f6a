using Apc.Attribution;
using SkiaSharp;

namespace Apc.Reporting;

/// <summary>How <see cref="HeatmapOverlay"/> colours a map over its image, on top of the picture settings.
/// <see cref="For(MapKind)"/> gives the display made for each kind of attribution map.</summary>
public sealed record HeatmapStyle : PictureStyle
{
    /// <summary>The palette values are looked up in after scaling: viridis by default, blue–white–red for signed
    /// maps (<see cref="For(MapKind)"/>).</summary>
    public Colormap Colormap { get; init; } = Colormap.Viridis;

    /// <summary>How values become colours (<see cref="MapScaler"/>).</summary>
    public MapScaling Scaling { get; init; } = MapScaling.MinMax;

    /// <summary>Sequential and symmetric scaling: the percentile (of the values, of |value| when symmetric) shown at
    /// full colour; larger values are clipped to it.</summary>
    public double ClipPercentile { get; init; } = 99.5;

    /// <summary>Gaussian blur of the map before colouring, standard deviation in source pixels (0 = none). For
    /// display only: the marked maximum is the unblurred map's.</summary>
    public double BlurSigma { get; init; }

    /// <summary>How far the image is faded toward white under the map, 0 (as is) to 1 (white): under a diverging
    /// map whose zero is white, a faded image keeps context without competing with the colours.</summary>
    public float ImageFade { get; init; }

    /// <summary>Weight of the map's colour against the image, 0 (image only) to 1 (map only).</summary>
    public float Opacity { get; init; } = 0.6f;

    /// <summary>Scale the opacity by the normalised value, so the image shows through where the map is low
    /// and only the high-scoring parts are coloured.</summary>
    public bool OpacityFollowsValue { get; init; } = true;

    /// <summary>Draw a cross on the map's largest value (not drawn when the map is constant).</summary>
    public bool MarkMaximum { get; init; } = true;

    /// <summary>Colour of the cross on the maximum (<see cref="MarkMaximum"/>); white by default.</summary>
    public SKColor MarkerColor { get; init; } = SKColors.White;

    /// <summary>Rim around the marker so it stays visible on light and dark parts alike.</summary>
    public SKColor MarkerRimColor { get; init; } = SKColors.Black;

    /// <summary>The display made for a kind of map: signed pixel maps symmetric around zero on blue–white–red over a
    /// faded image, with a light blur; non-negative maps sequential (viridis) over the image; both clipped at the
    /// 99.5th percentile rather than scaled by their single maximum.</summary>
    public static HeatmapStyle For(MapKind kind) => kind switch
    {
        MapKind.PixelSigned => new HeatmapStyle
        {
            Scaling = MapScaling.Symmetric, Colormap = Colormap.BlueWhiteRed, Opacity = 1f, ImageFade = 0.7f, BlurSigma = 0.5,
        },
        MapKind.PixelNonNegative => new HeatmapStyle { Scaling = MapScaling.Sequential, Opacity = 0.8f, BlurSigma = 0.5 },
        MapKind.Coarse => new HeatmapStyle { Scaling = MapScaling.Sequential },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown map kind."),
    };

    internal override void Validate()
    {
        base.Validate();
        if (!(ClipPercentile is > 0 and <= 100))
            throw new ArgumentException($"heatmap clip percentile must be in (0, 100], got {ClipPercentile}.");
        if (!(BlurSigma is >= 0 and <= 100))
            throw new ArgumentException($"heatmap blur must be 0..100 pixels, got {BlurSigma}.");
        if (!(ImageFade is >= 0f and <= 1f))
            throw new ArgumentException($"heatmap image fade must be in [0,1], got {ImageFade}.");
        if (!(Opacity is >= 0f and <= 1f))
            throw new ArgumentException($"heatmap opacity must be in [0,1], got {Opacity}.");
    }
}
