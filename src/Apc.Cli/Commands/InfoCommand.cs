using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Apc.Cli.Commands;

public sealed class InfoSettings : Settings.CommonSettings
{
    [CommandArgument(0, "<MODEL>")]
    [Description("Path of an apc checkpoint (.ckpt) or an apc ONNX export (.onnx).")]
    public string Path { get; init; } = "";

    [CommandOption("--format <FORMAT>")]
    [Description(Settings.OutputFormats.Description)]
    [DefaultValue("table")]
    public string Format { get; init; } = "table";

    public bool Json => Settings.OutputFormats.Parse(Format) == Settings.OutputFormat.Json;
}

public sealed class InfoCommand : Command<InfoSettings>
{
    public override int Execute(CommandContext context, InfoSettings settings, CancellationToken cancellationToken)
    {
        bool json = settings.Json; // checks --format before any file is read
        if (Deployment.OnnxModelFile.IsOnnxPath(settings.Path)) return OnnxInfoView.Show(Deployment.OnnxModelFile.Read(settings.Path), settings.Json);
        using var checkpoint = ModelCheckpoint.Load(settings.Path);
        var info = checkpoint.Info;
        var model = checkpoint.Model;
        long parameters = model.ParameterCount();
        long nonzero = model.parameters().Sum(p => p.count_nonzero().item<long>());
        long macs = model.MultiplyAccumulates();
        if (json)
        {
            var node = JsonSerializer.SerializeToNode(info, CheckpointFile.Json)!.AsObject();
            node["parameters"] = parameters;
            node["nonzero_parameters"] = nonzero;
            node["macs"] = macs;
            if (model.Arch.Blocks is not null)
                node["block_structure"] = new JsonObject(GroupedConvs(model).Select(c => KeyValuePair.Create(c.Name, (JsonNode?)c.Blocks)));
            node["size_bytes"] = new FileInfo(settings.Path).Length;
            node["extra_tensors"] = new JsonArray(checkpoint.Extra.Keys.Select(k => (JsonNode)k).ToArray());
            Terminal.ConsoleFor.WriteJson(node);
            return 0;
        }
        // The path is a row, not the title: a title wraps at the table's width, in the middle of the path.
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("file", settings.Path);
        Row("kind", info.Kind);
        Row("architecture", info.Arch);
        Row("parameters", parameters.ToString("N0", CultureInfo.InvariantCulture) +
            (nonzero != parameters ? $" ({nonzero.ToString("N0", CultureInfo.InvariantCulture)} non-zero)" : ""));
        Row("multiply-accumulates", $"{macs.ToString("N0", CultureInfo.InvariantCulture)} per image");
        if (model.Arch.Blocks is not null)
        {
            var grouped = GroupedConvs(model);
            Row("block structure", $"{grouped.Count} block-sparse convs (grouped conv between channel permutations, seed {model.Arch.BlockSeed}): " +
                string.Join(", ", grouped.Select(c => $"{c.Name} {c.Blocks} blocks")));
        }
        Row("input", $"{info.InChannels}x{info.ImageSize}x{info.ImageSize}, mean [{Join(info.Normalization.Mean)}], std [{Join(info.Normalization.Std)}]");
        Row("classes", $"{info.NumClasses}: {string.Join(", ", info.ClassNames)}");
        Row("data set", info.Dataset);
        Row("file size", $"{new FileInfo(settings.Path).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        foreach (var (key, value) in Flatten("", info.Metrics)) Row(key, value);
        foreach (var key in new[] { "command", "tool_version", "created_utc", "seed" })
            if (info.Provenance[key] is { } v) Row(key, v.ToString());
        if (info.Compression is not null) foreach (var (key, value) in Flatten("compression.", info.Compression)) Row(key, value);
        if (checkpoint.Extra.Count > 0) Row("extra tensors", string.Join(", ", checkpoint.Extra.Keys));
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>The grouped convs of a block-sparse network (alias or name, and blocks), in network order.</summary>
    static List<(string Name, long Blocks)> GroupedConvs(Models.ClassifierNet model) =>
        model.AllNodes().OfType<Models.LayerNode>()
            .Where(n => n.Module is TorchSharp.Modules.Conv2d { groups: > 1 })
            .Select(n => (n.Alias ?? n.Name, ((TorchSharp.Modules.Conv2d)n.Module).groups)).ToList();

    internal static string Join(float[] values) => string.Join(", ", values.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)));

    /// <summary>The rows of a JSON object for the table, nested keys joined by dots ("compression.bits"), history left out.</summary>
    public static IEnumerable<(string, string)> Flatten(string prefix, JsonObject obj)
    {
        foreach (var (key, value) in obj)
        {
            if (key == "history") continue;
            if (value is JsonObject inner) foreach (var row in Flatten($"{prefix}{key}.", inner)) yield return row;
            else if (value is JsonValue v && v.TryGetValue<double>(out var d))
                // Counts (bits, MACs, bytes) in full, other numbers to 6 significant digits.
                yield return (prefix + key, d == Math.Floor(d) && Math.Abs(d) < 1e15
                    ? d.ToString("0", CultureInfo.InvariantCulture) : d.ToString("G6", CultureInfo.InvariantCulture));
            else if (value is JsonValue text && text.TryGetValue<string>(out var words)) yield return (prefix + key, words);
            else if (value is not null) yield return (prefix + key, value.ToJsonString());
        }
    }
}
