using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Deployment;
using Spectre.Console;

namespace Apc.Cli.Commands;

/// <summary>apc info of an ONNX export: what the file says about itself and what its graph holds.</summary>
static class OnnxInfoView
{
    public static int Show(OnnxModelFile file, bool json)
    {
        var info = file.Info;
        var opset = string.Join(", ", file.Model.OpsetImport.Select(o => $"{(o.Domain == "" ? "ai.onnx" : o.Domain)} {o.Version}"));
        var bytes = OnnxInfo.InitializerBytes(file.Model);
        if (json)
        {
            var node = new JsonObject
            {
                ["format"] = file.Properties.GetValueOrDefault(OnnxMetadata.Format),
                ["precision"] = file.Properties.GetValueOrDefault(OnnxMetadata.Precision),
                ["source_file"] = file.Properties.GetValueOrDefault(OnnxMetadata.SourceFile),
                ["source_sha256"] = file.Properties.GetValueOrDefault(OnnxMetadata.SourceSha256),
                ["opset"] = opset,
                ["ir_version"] = file.Model.IrVersion,
                ["size_bytes"] = file.SizeBytes,
                ["operators"] = new JsonObject(OnnxInfo.OperatorCounts(file.Model).Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                ["initializer_bytes"] = new JsonObject(bytes.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                ["checkpoint"] = JsonSerializer.SerializeToNode(info, CheckpointFile.Json),
            };
            Terminal.ConsoleFor.WriteJson(node);
            return 0;
        }
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("file", file.Path); // a row, not the title, which would wrap in the middle of a long path
        Row("format", $"ONNX ({opset}, IR {file.Model.IrVersion}), {file.Properties.GetValueOrDefault(OnnxMetadata.Format)}");
        Row("kind", info.Kind);
        Row("architecture", info.Arch);
        Row("precision", file.Properties.GetValueOrDefault(OnnxMetadata.Precision) ?? "");
        Row("source", $"{file.Properties.GetValueOrDefault(OnnxMetadata.SourceFile)} (sha256 {file.Properties.GetValueOrDefault(OnnxMetadata.SourceSha256)})");
        Row("input", $"'{OnnxExport.InputName}' [batch,{info.InChannels},{info.ImageSize},{info.ImageSize}], normalised with mean [{InfoCommand.Join(info.Normalization.Mean)}], std [{InfoCommand.Join(info.Normalization.Std)}]");
        Row("output", $"'{OnnxExport.OutputName}' [batch,{info.NumClasses}] (multi-label logits)");
        Row("classes", $"{info.NumClasses}: {string.Join(", ", info.ClassNames)}");
        Row("data set", info.Dataset);
        Row("operators", OnnxInfo.Operators(file.Model));
        Row("stored constants", string.Join(", ", bytes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value.ToString("N0", CultureInfo.InvariantCulture)} bytes")));
        Row("file size", $"{file.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        foreach (var (key, value) in InfoCommand.Flatten("", info.Metrics)) Row(key, value);
        AnsiConsole.Write(table);
        return 0;
    }
}
