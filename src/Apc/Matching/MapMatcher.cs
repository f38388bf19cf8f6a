using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The engine shared by the map-based matchers: captures the matching layers of teacher and student,
/// picks the target (image, class) pairs from the teacher's logits, takes the sensitivities ∂z_c/∂A where the
/// map needs them, and returns each layer's unweighted L_AM(l) with its w_l (method.md §2.2); β and the sum over
/// layers are applied by <see cref="Compression.CompressionObjective"/>. Subclasses only say how a layer's activation
/// (and sensitivity) collapses to a map.
/// <para>Teacher: eval mode, a constant. Its parameters are usually frozen (requires_grad false), so its first
/// matching layer's output is replaced by a detached copy that requires grad; the rest of its forward builds a
/// graph from there, and ∂z/∂A is taken by autograd.grad under enable_grad. Its maps are detached.</para>
/// <para>Student: its sensitivities come from <c>autograd.grad(create_graph: true)</c>, so the loss's gradient
/// flows through both the activations and the sensitivities (double backpropagation). autograd.grad never
/// accumulates into the parameters' .grad, so only the final backward of the loss does.</para>
/// <para>Sensitivities are per image (method.md §2) because one backward of Σ_b z_{b,c_b} gives ∂z_{b,c_b}/∂A_b
/// only when nothing after A mixes the images. A training-mode batch norm after the matched layer (e.g. pool4 of
/// VGG, or layer3 of ResNet) does, through its batch statistics, so sensitivity-weighted matching refuses such a
/// student layer at its first step (<see cref="RefuseBatchCoupledLayers"/>). The default layers (VGG's last pool,
/// ResNet's last stage) have no batch norm after them. Maps without sensitivities (attention transfer) are not
/// affected.</para></summary>
public abstract class MapMatcher : IAttributionMatcher
{
    /// <summary>Checks <paramref name="options"/> (<see cref="MatcherOptions.Validated"/>, the one place they are
    /// checked) and keeps them.</summary>
    protected MapMatcher(MatcherOptions options) { Options = options.Validated(); }

    /// <summary>The options this matcher was built with.</summary>
    public MatcherOptions Options { get; }

    /// <inheritdoc/>
    public string Name => Options.Name;

    /// <summary>β = <see cref="MatcherOptions.Weight"/>.</summary>
    public double Weight => Options.Weight;

    /// <summary>True when a map needs ∂z_c/∂A (sensitivity-weighted maps).</summary>
    protected abstract bool UsesSensitivities { get; }

    /// <summary>The teacher's map [P,H,W] at layer <paramref name="layer"/> (index into the layer list) from activations
    /// [P,K,H,W] and sensitivities [P,K,H,W] (null when <see cref="UsesSensitivities"/> is false).</summary>
    protected abstract Tensor TeacherMap(int layer, Tensor activation, Tensor? sensitivity);

    /// <summary>The student's map [P,H,W], as <see cref="TeacherMap"/>.</summary>
    protected abstract Tensor StudentMap(int layer, Tensor activation, Tensor? sensitivity);

    /// <summary>Called once per step, before any teacher map, with the teacher's channel count at each layer.</summary>
    protected virtual void BeginStep(IReadOnlyList<long> teacherChannels) { }

    // The student (and its train/eval mode) whose matching layers were last found free of batch coupling, so that
    // the node walk runs once, not at every step.
    ClassifierNet? uncoupledStudent;
    bool uncoupledTraining;

    /// <inheritdoc/>
    public MatchingStep Step(ClassifierNet teacher, ClassifierNet student, Tensor images)
    {
        using var scope = NewDisposeScope();
        var (teacherLogits, studentLogits, layers) = Compute(teacher, student, images, studentGraph: true);
        var terms = layers.Select(layer => new LossTerm("l_am/" + layer.Label, layer.Weight,
            CollapsedMaps.Distance(layer.Teacher, layer.Student).MoveToOuterDisposeScope())).ToList();
        return new MatchingStep(studentLogits.MoveToOuterDisposeScope(), teacherLogits.MoveToOuterDisposeScope(), terms);
    }

    /// <inheritdoc/>
    public void Check(ClassifierNet teacher, ClassifierNet student)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var teacherNames = Resolve(teacher, "teacher");
        var studentNames = Resolve(student, "student");
        var teacherActivations = Probe(teacher, teacherNames);
        var studentActivations = Probe(student, studentNames);
        CheckShapes(teacher, student, teacherActivations, studentActivations);
    }

    /// <summary>The matching layers of <paramref name="model"/> whose map is a single value (1×1) at the model's input
    /// size. A map of one value is the same for every network once normalised, so matching there changes nothing (L_AM's
    /// gradient is zero); e.g. VGG's last pool at 32 px. Empty when every map has at least two positions.</summary>
    public IReadOnlyList<string> SinglePositionLayers(ClassifierNet model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var names = Resolve(model, "teacher");
        var activations = Probe(model, names);
        return names.Where((_, i) => activations[i].dim() == 4 && activations[i].shape[2] * activations[i].shape[3] == 1).ToList();
    }

    static Tensor[] Probe(ClassifierNet model, string[] names)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            var c = model.Config;
            var device = model.parameters().First().device;
            var dtype = model.parameters().First().dtype;
            var blank = zeros(new long[] { 1, c.InChannels, c.ImageSize, c.ImageSize }, dtype: dtype, device: device);
            return Capture(model, blank, names, cutAtFirst: false).Activations;
        }
        finally { model.train(wasTraining); }
    }

    /// <summary>The normalised teacher and student maps of every matching layer for a batch, without a graph
    /// (for inspection and evaluation; works on frozen students too). Like a training step, it draws a new set of
    /// dropped teacher channels when the matcher drops channels.</summary>
    public IReadOnlyList<LayerMaps> Maps(ClassifierNet teacher, ClassifierNet student, Tensor images)
    {
        using var scope = NewDisposeScope();
        var (_, _, layers) = Compute(teacher, student, images, studentGraph: false);
        return layers.Select(l => l with
        {
            Teacher = l.Teacher.detach().MoveToOuterDisposeScope(),
            Student = l.Student.detach().MoveToOuterDisposeScope(),
        }).ToList();
    }

    (Tensor TeacherLogits, Tensor StudentLogits, List<LayerMaps> Layers) Compute(
        ClassifierNet teacher, ClassifierNet student, Tensor images, bool studentGraph)
    {
        if (teacher.training) teacher.eval(); // the reference's pruning left it in train mode, a bug (method.md §3)
        var layers = Options.EffectiveLayers;
        var teacherNames = Resolve(teacher, "teacher");
        var studentNames = Resolve(student, "student");
        if (UsesSensitivities && (!ReferenceEquals(student, uncoupledStudent) || student.training != uncoupledTraining))
        {
            RefuseBatchCoupledLayers(student, studentNames);
            (uncoupledStudent, uncoupledTraining) = (student, student.training);
        }

        Tensor teacherLogits;
        Tensor[] teacherActivations;
        using (UsesSensitivities ? enable_grad() : no_grad())
            (teacherLogits, teacherActivations) = Capture(teacher, images, teacherNames, cutAtFirst: true);

        Tensor studentLogits;
        Tensor[] studentActivations;
        using (enable_grad(studentGraph || UsesSensitivities))
            (studentLogits, studentActivations) = Capture(student, images, studentNames, cutAtFirst: !studentGraph);
        CheckShapes(teacher, student, teacherActivations, studentActivations);

        int batch = (int)images.shape[0], classes = (int)teacherLogits.shape[1];
        var rounds = UsesSensitivities
            ? TargetRound.Select(CpuFloats(teacherLogits), batch, classes, Options.Classes)
            : TargetRound.EveryImage(batch);
        BeginStep(teacherActivations.Select(a => a.shape[1]).ToList());

        Tensor[] teacherMaps;
        using (enable_grad(UsesSensitivities))
            teacherMaps = CollapseRounds(teacherLogits, teacherActivations, rounds, createGraph: false, TeacherMap)
                .Select(m => m.detach()).ToArray();
        Tensor[] studentMaps;
        using (enable_grad(studentGraph || UsesSensitivities))
            studentMaps = CollapseRounds(studentLogits, studentActivations, rounds, createGraph: studentGraph, StudentMap);
        if (!studentGraph) studentMaps = studentMaps.Select(m => m.detach()).ToArray();

        var result = layers.Select((l, i) => new LayerMaps(l.Layer, teacherNames[i], studentNames[i], l.Weight,
            CollapsedMaps.Normalize(teacherMaps[i]), CollapsedMaps.Normalize(studentMaps[i]))).ToList();
        return (teacherLogits.detach(), studentLogits, result);
    }

    string[] Resolve(ClassifierNet model, string role)
    {
        var names = Options.EffectiveLayers
            .Select(l => l.Layer == LayerWeight.Default ? model.DefaultMatchingLayer : model.ResolveLayer(l.Layer)).ToArray();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new UsageException($"--match-layers: two entries name the same {role} layer '{duplicate.Key}' ({model.Arch}).");
        return names;
    }

    /// <summary>Throws when a training-mode batch norm follows one of <paramref name="names"/> in the student's node
    /// list: its batch statistics couple the images, so ∂(Σ_b z_{b,c_b})/∂A is no longer the per-image sensitivity.</summary>
    void RefuseBatchCoupledLayers(ClassifierNet student, string[] names)
    {
        var nodes = student.AllNodes().ToList();
        for (int i = 0; i < names.Length; i++)
        {
            var at = nodes.FindIndex(n => n.Name == names[i]);
            var norm = nodes.Skip(at + 1).OfType<LayerNode>().FirstOrDefault(n => n.Kind == LayerKind.BatchNorm && n.Module.training);
            if (norm is null) continue;
            throw new UsageException(
                $"--match-layers: {Name} cannot match at student layer '{Options.EffectiveLayers[i].Layer}' ({Display(nodes[at])}) of {student.Arch}: " +
                $"batch norm {Display(norm)} follows it in training mode, and its batch statistics couple the images of a batch, " +
                $"so the sensitivities would not be per image (docs/compression.md, Matching). Match at a layer with no batch norm " +
                $"after it, such as the default {Display(student.Node(student.DefaultMatchingLayer))} (VGG's last pool, ResNet's last stage); " +
                $"for a larger last pool on small images use a VGG with :skip-pools=4.");
        }

        static string Display(ModelNode node) => node is LayerNode { Alias: { } alias } ? $"{alias} = {node.Name}" : node.Name;
    }

    /// <summary>Runs <paramref name="model"/> and returns its logits and the outputs of <paramref name="layers"/>.
    /// An output that does not require grad (frozen layers before it), and with <paramref name="cutAtFirst"/> the first
    /// captured output in execution order, is replaced by a detached copy that requires grad, so that ∂z/∂A can be
    /// taken without a graph through the layers before it.</summary>
    static (Tensor Logits, Tensor[] Activations) Capture(ClassifierNet model, Tensor images, string[] layers, bool cutAtFirst)
    {
        var wanted = layers.ToHashSet();
        var captured = new Dictionary<string, Tensor>();
        bool gradients = is_grad_enabled();
        var logits = model.Forward(images, (name, output) =>
        {
            if (!wanted.Contains(name)) return output;
            if (gradients && ((cutAtFirst && captured.Count == 0) || !output.requires_grad))
                output = output.detach().requires_grad_(true);
            captured[name] = output;
            return output;
        });
        return (logits, layers.Select(l => captured[l]).ToArray());
    }

    void CheckShapes(ClassifierNet teacher, ClassifierNet student, Tensor[] teacherActivations, Tensor[] studentActivations)
    {
        var layers = Options.EffectiveLayers;
        for (int i = 0; i < layers.Count; i++)
        {
            var (t, s) = (teacherActivations[i], studentActivations[i]);
            if (t.dim() != 4 || s.dim() != 4)
                throw new UsageException($"--match-layers: layer '{layers[i].Layer}' gives [{string.Join(',', (t.dim() != 4 ? t : s).shape)}], " +
                    "not a spatial [N,C,H,W] activation; choose a convolutional, pooling or ReLU layer.");
            if (t.shape[2] != s.shape[2] || t.shape[3] != s.shape[3])
                throw new UsageException($"{Named(layers[i].Layer, teacher)} is {t.shape[2]}x{t.shape[3]} in the teacher ({teacher.Arch}) " +
                    $"but {s.shape[2]}x{s.shape[3]} in the student ({student.Arch}); matched maps must have the same spatial size" +
                    GeometryHint(teacher.Arch, student.Arch));
        }
    }

    /// <summary>The matched layer as a message names it: "--match-layers: layer 'pool4'" for one the user chose, "the
    /// default matching layer (the last pool: ... in the teacher)" when none was chosen.</summary>
    static string Named(string layer, ClassifierNet teacher)
    {
        if (layer != LayerWeight.Default) return $"--match-layers: layer '{layer}'";
        var name = teacher.DefaultMatchingLayer;
        return $"the default matching layer (the last pool: {(teacher.Node(name) is LayerNode { Alias: { } alias } ? $"{alias}, {name}" : name)} in the teacher)";
    }

    /// <summary>A student whose max-pools differ from the teacher's is the usual cause: name the spec that has the
    /// teacher's (e.g. a default kd student without the shipped teacher's ":skip-pools=4").</summary>
    static string GeometryHint(ArchSpec teacher, ArchSpec student)
    {
        var skipped = string.Join(',', teacher.SkipPools ?? Array.Empty<int>());
        if (teacher.Family != student.Family || skipped == string.Join(',', student.SkipPools ?? Array.Empty<int>())) return ".";
        var suggestion = student with { SkipPools = teacher.SkipPools };
        int count = teacher.SkipPools?.Length ?? 0;
        string which = count == 1 ? $"the max-pool of stage {skipped}" : $"the max-pools of stages {skipped}";
        return $"; the teacher {(count == 0 ? "builds every max-pool" : $"skips {which}")}: give the student the same, e.g. --student {suggestion}.";
    }

    /// <summary>Maps [P,H,W] of every layer, the rounds' pairs concatenated in order.</summary>
    Tensor[] CollapseRounds(Tensor logits, Tensor[] activations, IReadOnlyList<TargetRound> rounds, bool createGraph,
        Func<int, Tensor, Tensor?, Tensor> collapse)
    {
        var perLayer = activations.Select(_ => new List<Tensor>()).ToArray();
        for (int r = 0; r < rounds.Count; r++)
        {
            var round = rounds[r];
            var rows = tensor(round.Images, device: logits.device);
            Tensor[]? sensitivities = null;
            if (UsesSensitivities)
            {
                var seed = zeros_like(logits);
                seed.index_put_(1.0, new[] { rows, tensor(round.Classes, device: logits.device) });
                // retain_graph must accompany create_graph in TorchSharp; the teacher keeps its graph for later rounds.
                sensitivities = autograd.grad(new[] { logits }, activations, new[] { seed },
                    retain_graph: createGraph || r < rounds.Count - 1, create_graph: createGraph).ToArray();
            }
            bool all = round.Images.Length == logits.shape[0];
            for (int l = 0; l < activations.Length; l++)
            {
                var a = all ? activations[l] : activations[l].index_select(0, rows);
                var s = sensitivities is null ? null : all ? sensitivities[l] : sensitivities[l].index_select(0, rows);
                perLayer[l].Add(collapse(l, a, s));
            }
        }
        return perLayer.Select(maps => maps.Count == 1 ? maps[0] : cat(maps, 0)).ToArray();
    }

    static float[] CpuFloats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
