using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddCompressionCommands(IConfigurator config)
    {
        // The branch has no settings of its own: Spectre 0.57 leaves options inherited from a branch's settings type out of a
        // sub-command's --help (spectre.console.cli issue 3), so every option belongs to the sub-command's type.
        config.AddBranch("compress", compress =>
        {
            compress.SetDescription("Compress a teacher (kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize, or a pipeline of them) while matching its attribution maps.");
            compress.AddCommand<CompressCommand<KdSettings>>("kd")
                .WithDescription("Knowledge distillation into a smaller student network.")
                .WithExample("compress", "kd", "--teacher", "runs/teacher/model.ckpt", "--match", "wcam", "--out", "runs/kd-wcam")
                .WithExample("compress", "kd", "--teacher", "runs/teacher/model.ckpt", "--match", "none", "--out", "runs/kd-naive");
            compress.AddCommand<CompressCommand<StructuredSettings>>("structured")
                .WithDescription("Structured pruning: remove whole conv filters (the network gets smaller and faster), then fine-tune.")
                .WithExample("compress", "structured", "--teacher", "runs/teacher/model.ckpt", "--ratio", "0.3", "--out", "runs/structured-wcam");
            compress.AddCommand<CompressCommand<UnstructuredSettings>>("unstructured")
                .WithDescription("Unstructured pruning: zero the smallest weights in rounds, fine-tuning after each.")
                .WithExample("compress", "unstructured", "--teacher", "runs/teacher/model.ckpt", "--rounds", "4", "--rate", "0.44", "--out", "runs/unstructured-wcam");
            compress.AddCommand<CompressCommand<BlockSparseSettings>>("block-sparse")
                .WithDescription("Block-sparse convs: block-diagonal weights in random permuted bases, fine-tuned, then grouped convs (fewer weights and MACs).")
                .WithExample("compress", "block-sparse", "--teacher", "runs/teacher/model.ckpt", "--blocks", "4", "--match", "wcam", "--out", "runs/block-sparse-wcam");
            compress.AddCommand<CompressCommand<UnifySettings>>("unify")
                .WithDescription("Weight unification: blocks of conv weights share one magnitude (a fraction at zero), trained with ADMM, then fine-tuned.")
                .WithExample("compress", "unify", "--teacher", "runs/teacher/model.ckpt", "--block-shape", "1x4", "--zero-fraction", "0.5", "--match", "wcam", "--out", "runs/unify-wcam");
            compress.AddCommand<CompressCommand<QuantizeSettings>>("quantize")
                .WithDescription("Quantization: integer grids for weights and activations, calibrated, then quantization-aware fine-tuning.")
                .WithExample("compress", "quantize", "--teacher", "runs/teacher/model.ckpt", "--bits", "4", "--out", "runs/quantize-wcam")
                .WithExample("compress", "quantize", "--teacher", "runs/teacher/model.ckpt", "--no-qat", "--format", "json", "--out", "runs/ptq");
            compress.AddCommand<CompressCommand<KernelQuantizeSettings>>("kernel-quantize")
                .WithDescription("Kernel quantization: per conv a codebook of 2^b k×k kernels (k-means), a b-bit index per kernel, the codebook on a 6-bit grid, then fine-tuning of the codebooks.")
                .WithExample("compress", "kernel-quantize", "--teacher", "runs/teacher/model.ckpt", "--index-bits", "4", "--match", "wcam", "--out", "runs/kernel-quantize-wcam");
            compress.AddCommand<CompressCommand<PipelineSettings>>("pipeline")
                .WithDescription("Several methods in order, each starting from the previous one's network.")
                .WithExample("compress", "pipeline", "--teacher", "runs/teacher/model.ckpt", "--stages", "structured,kd,quantize", "--out", "runs/pipeline");
        });
    }
}
