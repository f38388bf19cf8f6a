using System.ComponentModel;
using System.Globalization;

namespace Apc.Cli.Settings;

/// <summary>Reads a whole-number option (int and int?) in decimal digits only. Spectre.Console.Cli converts option values
/// with .NET's <see cref="Int32Converter"/>, which also reads "0x10" as 16 and "#10" as 16: a typo of "--threads 0x2"
/// would run with 2 threads without a word. This converter refuses those, so the parser's "is not a whole number"
/// message names the option.</summary>
public sealed class DecimalInt32Converter : Int32Converter
{
    static readonly Lazy<TypeDescriptionProvider> Provider =
        new(() => TypeDescriptor.AddAttributes(typeof(int), new TypeConverterAttribute(typeof(DecimalInt32Converter))));

    /// <summary>Makes every <c>TypeDescriptor.GetConverter(typeof(int))</c> of this process (and so Spectre's, for int and
    /// int? options) this converter. Idempotent.</summary>
    public static void Register() => _ = Provider.Value;

    /// <summary>Parses <paramref name="value"/> as an optionally signed decimal integer (invariant culture, surrounding
    /// spaces allowed). Throws <see cref="FormatException"/> for anything else (hex, fractions, thousands separators) and
    /// <see cref="OverflowException"/> beyond Int32's range.</summary>
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? int.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture)
            : base.ConvertFrom(context, culture, value);
}
