namespace Apc.Compression;

/// <summary>A stage whose finished output needs more than its checkpoint's weights to rebuild (e.g. state that
/// lives outside the weights). <see cref="CompressionPipeline"/> asks it to reload a finished step on --resume;
/// other stages' checkpoints are loaded with <see cref="Checkpoints.ModelCheckpoint.Load"/> (quantization re-attached).</summary>
public interface IReloadableStage
{
    /// <summary>Rebuilds the result this stage wrote to <paramref name="checkpointPath"/> in an earlier run.</summary>
    StageResult Reload(StageContext context, string checkpointPath);
}
