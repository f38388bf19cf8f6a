using Apc.Util;

namespace Apc.Compression.Pruning;

/// <summary>The registry of structured-pruning filter criteria by name (what --criterion takes): l1, attribution, and
/// whatever user code adds with <see cref="Register"/> (docs/extending.md, "A pruning criterion"). A factory receives
/// the stage's context (teacher, data, schedule) and options and returns the criterion that scores filters.</summary>
public static class FilterCriteria
{
    static readonly Registry<Func<StageContext, StructuredPruningOptions, IFilterCriterion>> registry = Create();

    static Registry<Func<StageContext, StructuredPruningOptions, IFilterCriterion>> Create()
    {
        var r = new Registry<Func<StageContext, StructuredPruningOptions, IFilterCriterion>>("filter criterion");
        r.Register("l1", (_, _) => L1FilterCriterion.Instance);
        r.Register("attribution", (context, options) => new AttributionFilterCriterion(context.Teacher, context.Data.Train,
            options.CalibrationImages, context.Training.BatchSize, context.Training.Seed));
        return r;
    }

    /// <summary>Registered names in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names => registry.Names;

    /// <summary>Adds a criterion under <paramref name="name"/>; a taken name is an <see cref="ArgumentException"/>.</summary>
    public static void Register(string name, Func<StageContext, StructuredPruningOptions, IFilterCriterion> factory) =>
        registry.Register(name, factory);

    /// <summary>Whether <paramref name="name"/> is registered (case-insensitive).</summary>
    public static bool Contains(string? name) => registry.Contains(name);

    /// <summary>The criterion <see cref="StructuredPruningOptions.Criterion"/> names, built for <paramref name="context"/>;
    /// an unknown name is a <see cref="UsageException"/> listing the valid ones.</summary>
    public static IFilterCriterion Create(StageContext context, StructuredPruningOptions options)
    {
        var factory = registry.Find(options.Criterion)
            ?? throw new UsageException($"--criterion '{options.Criterion}': valid values are {registry.Valid}.");
        return factory(context, options);
    }
}
