using SkiaSharp;

namespace Apc.Reporting;

/// <summary>How <see cref="HeatmapOverlay"/> colours a map over its image, on top of the picture settings.</summary>
public sealed record HeatmapStyle : PictureStyle
{
    public Colormap Colormap { get; init; } = Colormap.Viridis;

    /// <summary>Weight of the map's colour against the image, 0 (image only) to 1 (map only).</summary>
    public float Opacity { get; init; } = 0.6f;

    /// <summary>Scale the opacity by the normalised value, so the image shows through where the map is low
    /// and only the high-scoring parts are coloured.</summary>
    public bool OpacityFollowsValue { get; init; } = true;

    /// <summary>Draw a cross on the map's largest value (not drawn when the map is constant).</summary>
    public bool MarkMaximum { get; init; } = true;

    public SKColor MarkerColor { get; init; } = SKColors.White;

    /// <summary>Rim around the marker so it stays visible on light and dark parts alike.</summary>
    public SKColor MarkerRimColor { get; init; } = SKColors.Black;

    internal override void Validate()
    {
        base.Validate();
        if (!(Opacity is >= 0f and <= 1f))
            throw new ArgumentException($"heatmap opacity must be in [0,1], got {Opacity}.");
    }
}
