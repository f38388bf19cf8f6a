namespace Apc.Attribution.Propagation;

/// <summary>Where a conv or linear layer sits: the first one (reads the image), the last one (writes the logits),
/// or any other. Composites use it to give the input and output layers their own rules.</summary>
public enum LayerPosition
{
    /// <summary>The first layer, which sees the image.</summary>
    Input,
    /// <summary>Any layer between the first and the last.</summary>
    Hidden,
    /// <summary>The last layer, which gives the logits.</summary>
    Output,
}
