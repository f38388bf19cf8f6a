namespace Apc.Compression;

/// <summary>One compression step (kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize). A pipeline chains stages; each
/// stage receives the model the previous stage produced and matches attributions to the original teacher.</summary>
public interface ICompressionStage
{
    /// <summary>kd, structured, unstructured or quantize.</summary>
    string Method { get; }

    /// <summary>Compresses <see cref="StageContext.Input"/> and fine-tunes it; writes its files under
    /// <see cref="StageContext.OutDir"/>; returns the compressed model (owned by the caller).</summary>
    StageResult Run(StageContext context);
}
