namespace Apc.Util;

/// <summary>A name → factory table that user code extends at run time (the idea of Zennit's
/// <c>register_composite</c>): the built-in entries are registered first, in the order help texts list them, and
/// <see cref="Register"/> adds more. Names are case-insensitive and trimmed; an alias finds the same factory but is not
/// listed in <see cref="Names"/>. Safe to use from several threads.</summary>
/// <typeparam name="TFactory">The factory delegate (or factory object) of this kind of extension.</typeparam>
public sealed class Registry<TFactory> where TFactory : class
{
    readonly object gate = new();
    readonly Dictionary<string, TFactory> factories = new(StringComparer.OrdinalIgnoreCase);
    readonly List<string> names = new();

    /// <summary>An empty registry for extensions of <paramref name="kind"/> (e.g. "attribution method"), a phrase
    /// used in error messages.</summary>
    public Registry(string kind) { Kind = kind; }

    /// <summary>What the entries are, for messages ("attribution method", "matcher", ...).</summary>
    public string Kind { get; }

    /// <summary>The registered names (not the aliases), in registration order.</summary>
    public IReadOnlyList<string> Names { get { lock (gate) return names.ToArray(); } }

    /// <summary>Adds <paramref name="factory"/> under <paramref name="name"/> and <paramref name="aliases"/>. Throws
    /// <see cref="ArgumentException"/> when a name is empty, contains white space or a comma, or is taken already
    /// (a registry never replaces an entry silently).</summary>
    public void Register(string name, TFactory factory, params string[] aliases)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var all = aliases.Prepend(name).Select(n => (n ?? "").Trim()).ToList();
        foreach (var n in all)
            if (n.Length == 0 || n.Any(c => char.IsWhiteSpace(c) || c == ','))
                throw new ArgumentException($"{Kind} name '{n}' must be non-empty, without white space or commas.", nameof(name));
        lock (gate)
        {
            foreach (var n in all)
                if (factories.ContainsKey(n)) throw new ArgumentException($"{Kind} '{n}' is registered already.", nameof(name));
            foreach (var n in all) factories[n] = factory;
            names.Add(all[0]);
        }
    }

    /// <summary>Whether <paramref name="name"/> (or an alias) is registered.</summary>
    public bool Contains(string? name) { lock (gate) return factories.ContainsKey((name ?? "").Trim()); }

    /// <summary>The factory registered under <paramref name="name"/> (case-insensitive), or null.</summary>
    public TFactory? Find(string? name) { lock (gate) return factories.GetValueOrDefault((name ?? "").Trim()); }

    /// <summary>The valid names as one comma-separated list, for "valid: ..." messages.</summary>
    public string Valid => string.Join(", ", Names);
}
