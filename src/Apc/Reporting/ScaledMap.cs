namespace Apc.Reporting;

/// <summary>A map scaled for display (<see cref="MapScaler"/>). <paramref name="Values"/> are in [0,1]
/// (<see cref="MapScaling.MinMax"/>, <see cref="MapScaling.Sequential"/>) or [−1,1]
/// (<see cref="MapScaling.Symmetric"/>); <paramref name="Clip"/> is the map value shown at full colour
/// (the percentile clipping value; for min-max the maximum); <paramref name="ArgMax"/> is the index of the first
/// largest value of the original map, −1 when there is nothing to mark (an empty map, or a symmetric one
/// without a positive value). <paramref name="IsEmpty"/>: the map has
/// nothing to show (all zero, constant, or not finite), and every value is 0.</summary>
public sealed record ScaledMap(float[] Values, double Clip, int ArgMax, bool IsEmpty);
