namespace Apc.Matching;

/// <summary>For which classes a sensitivity-weighted map is taken.</summary>
public enum MatchingClasses
{
    /// <summary>The teacher's top-1 class of each image (the reference's choice).</summary>
    Top1,
    /// <summary>Every class the teacher predicts positive (logit &gt; 0), one map per (image, class) pair; the
    /// top-1 class for an image where the teacher predicts none.</summary>
    Positives,
}
