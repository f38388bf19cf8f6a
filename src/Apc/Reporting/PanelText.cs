namespace Apc.Reporting;

/// <summary>What one heatmap panel of an <see cref="AttributionGallery"/> says in words, decided from the map alone
/// and the model's logit for the explained class (no pixels involved). <paramref name="ScaleLine"/>: "c = 0.0123"
/// (the value shown at full colour), with ", all ≤ 0" when a signed map has no positive value (then no maximum is
/// marked: its largest value is only the least negative); or, for a map with nothing to show, why ("all zero",
/// "constant", "no positive values", "no finite values"). <paramref name="LogitLine"/>: "logit 2.5", or
/// "class not predicted: logit −1.2" when the logit is ≤ 0. <paramref name="Notice"/>: null when the map is shown,
/// otherwise the words written across the empty picture (the reason, and the logit line when the class is not
/// predicted, since that is usually why).</summary>
public sealed record PanelText(string ScaleLine, string LogitLine, string? Notice)
{
    /// <summary>The words for <paramref name="map"/> ([H*W], as the method returned it) scaled as
    /// <paramref name="scaled"/> (<see cref="MapScaler"/> with <paramref name="scaling"/>), for a class whose logit is
    /// <paramref name="logit"/>.</summary>
    public static PanelText For(ReadOnlySpan<float> map, ScaledMap scaled, MapScaling scaling, float logit)
    {
        ArgumentNullException.ThrowIfNull(scaled);
        bool predicted = logit > 0;
        var logitLine = predicted ? $"logit {ColorBar.Format(logit)}" : NotPredicted(logit);
        if (scaled.IsEmpty)
        {
            var reason = HeatmapOverlay.EmptyReason(map, scaling);
            return new PanelText(reason, logitLine, predicted ? reason : $"{reason}\n{logitLine}");
        }
        var scaleLine = $"c = {ColorBar.Format(scaled.Clip)}";
        if (scaling == MapScaling.Symmetric && scaled.ArgMax < 0) scaleLine += ", all \u2264 0";
        return new PanelText(scaleLine, logitLine, null);
    }

    /// <summary>The text of a panel for a class the model does not predict (logit ≤ 0).</summary>
    public static string NotPredicted(float logit) => $"class not predicted: logit {ColorBar.Format(logit)}";
}
