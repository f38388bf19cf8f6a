using System.Text.Json.Nodes;
using Apc.Cli.Commands;
using Spectre.Console;

namespace Apc.Tests.Cli;

/// <summary>The table apc compress prints: the bits per weight of methods that store fewer than float32's.</summary>
public class CompressTableTests
{
    static string Render(JsonObject? compression)
    {
        var metrics = new JsonObject
        {
            ["method"] = "m", ["matcher"] = "none", ["parameters"] = 100L, ["nonzero_parameters"] = 50L, ["macs"] = 1000L, ["size_bytes"] = 400L,
            ["latency_ms"] = new JsonObject { ["teacher"] = 2.0, ["model"] = 1.0, ["batch_images"] = 64L },
            ["teacher"] = new JsonObject { ["parameters"] = 200L, ["nonzero_parameters"] = 200L, ["macs"] = 2000L, ["size_bytes"] = 800L },
        };
        if (compression is not null) metrics["compression"] = compression;
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        CompressTable.Write(console, metrics);
        return writer.ToString();
    }

    static string[] Row(string table, string label) =>
        table.Split('\n').Single(l => l.Contains(label, StringComparison.Ordinal)).Split(['│', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void QuantizedUnifiedAndKernelQuantizedModelsShowTheirBitsPerWeightAgainstFloat32()
    {
        Assert.Equal(["bits per non-zero weight", "32", "4", "8.00x"], Row(Render(new JsonObject { ["method"] = "quantize", ["bits"] = 4 }), "bits per"));
        Assert.Equal(["bits per weight (zeros included)", "32", "4.75", "6.74x"], Row(Render(new JsonObject { ["method"] = "unify", ["bits_per_weight"] = 4.75 }), "bits per"));
        // A pipeline: its last stage that stores fewer bits.
        var pipeline = new JsonObject
        {
            ["method"] = "pipeline",
            ["stages"] = new JsonArray(new JsonObject { ["method"] = "structured" }, new JsonObject { ["method"] = "kernel-quantize", ["bits_per_conv_parameter"] = 0.5 }),
        };
        Assert.Equal(["bits per weight (zeros included)", "32", "0.5", "64.00x"], Row(Render(pipeline), "bits per"));
        // Float weights: no such row.
        Assert.DoesNotContain("bits per", Render(new JsonObject { ["method"] = "structured" }));
        Assert.DoesNotContain("bits per", Render(null));
    }
}
