namespace Apc.Attribution;

/// <summary>What kind of values a method's maps hold. It is a property of the method
/// (<see cref="IAttributionMethod.Kind"/>) and decides how reports draw the maps
/// (the heat-map styles of Apc.Reporting).</summary>
public enum MapKind
{
    /// <summary>Non-negative and coarse: read out at a layer and upsampled (Grad-CAM, Excitation Backprop).</summary>
    Coarse,

    /// <summary>Non-negative, one value per input pixel (saliency, SmoothGrad).</summary>
    PixelNonNegative,

    /// <summary>Signed, one value per input pixel: positive = evidence for the class, negative = against it
    /// (LRP, RAP, input × gradient, integrated gradients). A few pixels often hold values far above the rest.</summary>
    PixelSigned,
}
