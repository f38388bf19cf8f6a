using System.Globalization;

namespace Apc.Util;

/// <summary>A count with its noun in the right number: "1 epoch", "2 epochs", "0 single heatmaps".</summary>
public static class Plural
{
    /// <summary><paramref name="count"/> and <paramref name="noun"/>, with "s" added to the noun's last word unless the count is 1.</summary>
    public static string Of(long count, string noun) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}
