namespace Apc.Matching;

/// <summary>Builds the matcher that <see cref="MatcherOptions"/> describe.</summary>
public static class MatcherFactory
{
    public static IAttributionMatcher Create(MatcherOptions options)
    {
        options = options.Validated();
        return options.Kind switch
        {
            MatchingKind.Wcam => new WcamMatcher(options),
            MatchingKind.At => new AttentionTransferMatcher(options),
            _ => NoMatching.Instance,
        };
    }
}
