namespace Apc.Matching;

/// <summary>A set of (image, class) pairs with at most one pair per image, so that one gradient call gives every
/// pair's sensitivity ∂z_{b,c}/∂A_b: the seed of the backward pass is 1 at (b, c) for each pair.</summary>
/// <param name="Images">Batch indices, ascending.</param>
/// <param name="Classes">The target class of each of <paramref name="Images"/>.</param>
public sealed record TargetRound(long[] Images, long[] Classes)
{
    /// <summary>The rounds for a batch given the teacher's logits [B,K]: one round with each image's top-1 class,
    /// or (<see cref="MatchingClasses.Positives"/>) round r with the (r+1)-th positive class (logit &gt; 0, in class
    /// order) of every image that has that many; an image without a positive class counts its top-1 class.
    /// Pairs are ordered round by round; teacher and student maps use the same order.</summary>
    public static IReadOnlyList<TargetRound> Select(float[] logits, int batch, int classes, MatchingClasses mode)
    {
        if (logits.Length != batch * classes)
            throw new ArgumentException($"{logits.Length} logits do not form a [{batch},{classes}] matrix.");
        var targets = new List<long>[batch];
        for (int b = 0; b < batch; b++)
        {
            var row = logits.AsSpan(b * classes, classes);
            targets[b] = new List<long>();
            if (mode == MatchingClasses.Positives)
                for (int c = 0; c < classes; c++) if (row[c] > 0f) targets[b].Add(c);
            if (targets[b].Count == 0) targets[b].Add(FirstArgMax(row));
        }
        var rounds = new List<TargetRound>();
        for (int r = 0; ; r++)
        {
            var images = Enumerable.Range(0, batch).Where(b => targets[b].Count > r).ToArray();
            if (images.Length == 0) break;
            rounds.Add(new TargetRound(images.Select(b => (long)b).ToArray(), images.Select(b => targets[b][r]).ToArray()));
        }
        return rounds;
    }

    /// <summary>One pair per image, class unused (class-independent maps such as attention transfer).</summary>
    public static IReadOnlyList<TargetRound> EveryImage(int batch) =>
        new[] { new TargetRound(Enumerable.Range(0, batch).Select(b => (long)b).ToArray(), new long[batch]) };

    static int FirstArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }
}
