using Apc.Util;

namespace Apc.Models;

/// <summary>The registry of architecture families by name (vgg, resnet, and any user code adds with
/// <see cref="Register"/>); <see cref="ArchSpec.Parse"/>, <see cref="ModelFactory"/> and structured pruning ask it
/// instead of switching on family names.</summary>
public static class ArchitectureFamilies
{
    static readonly Registry<IArchitectureFamily> registry = Create();

    static Registry<IArchitectureFamily> Create()
    {
        var r = new Registry<IArchitectureFamily>("architecture family");
        foreach (var family in new IArchitectureFamily[] { new VggFamily(), new ResNetFamily() }) r.Register(family.Name, family);
        return r;
    }

    /// <summary>The registered families, in registration order.</summary>
    public static IReadOnlyList<IArchitectureFamily> All => registry.Names.Select(n => registry.Find(n)!).ToList();

    /// <summary>Adds <paramref name="family"/> under its <see cref="IArchitectureFamily.Name"/>. Its heads must not be
    /// another family's; a taken name or head is an <see cref="ArgumentException"/>.</summary>
    public static void Register(IArchitectureFamily family)
    {
        foreach (var head in family.Heads)
            if (All.FirstOrDefault(f => f.ParseHead(head) is not null) is { } owner)
                throw new ArgumentException($"architecture head '{head}' belongs to family '{owner.Name}' already.", nameof(family));
        registry.Register(family.Name, family);
    }

    /// <summary>The family named <paramref name="name"/>, or null when none is registered under it.</summary>
    public static IArchitectureFamily? Find(string name) => registry.Find(name);

    /// <summary>The family named <paramref name="name"/>; an unknown one is a <see cref="UsageException"/>.</summary>
    public static IArchitectureFamily Get(string name) =>
        registry.Find(name) ?? throw new UsageException($"unknown architecture family '{name}'; valid: {registry.Valid}.");
}
