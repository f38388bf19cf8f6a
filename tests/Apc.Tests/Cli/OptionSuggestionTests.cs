using Apc.Cli.Commands;

namespace Apc.Tests.Cli;

public class OptionSuggestionTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("--epoch", "--epochs", 1)]   // one insertion
    [InlineData("--ratoi", "--ratio", 1)]    // one swap of neighbours
    [InlineData("kitten", "sitting", 3)]     // the textbook pair: two substitutions and an insertion
    [InlineData("ca", "abc", 3)]             // optimal string alignment: a swapped pair is not edited again
    public void DistanceCountsInsertionsDeletionsSubstitutionsAndSwaps(string a, string b, int expected)
    {
        Assert.Equal(expected, OptionSuggestion.Distance(a, b));
        Assert.Equal(expected, OptionSuggestion.Distance(b, a));
    }

    [Fact]
    public void OnlyANearAndUnambiguousOptionIsSuggested()
    {
        string[] options = ["--epochs", "--lr", "--lr-steps", "--seed", "--seeds-x"];
        Assert.Equal("--epochs", OptionSuggestion.Closest("--epoch", options));
        Assert.Null(OptionSuggestion.Closest("--wd", options));         // short names: any edit is another word
        Assert.Null(OptionSuggestion.Closest("--momentum", options));   // nothing near
        Assert.Null(OptionSuggestion.Closest("--seeds-z", ["--seeds-x", "--seeds-y"])); // a tie names neither
        Assert.Null(OptionSuggestion.Closest("--x", []));
    }

    [Fact]
    public void AnUnknownOptionNamesTheVerbAndTheOptionMeant()
    {
        var (code, error) = CliRunner.Run("train", "--epoch", "3");
        Assert.Equal(2, code);
        Assert.Equal("error: apc train has no option --epoch; did you mean --epochs? (apc train --help lists them)", error.Trim());
        (code, error) = CliRunner.Run("compress", "structured", "--ratoi", "0.3");
        Assert.Equal(2, code);
        Assert.Equal("error: apc compress structured has no option --ratoi; did you mean --ratio? (apc compress structured --help lists them)", error.Trim());
        (code, error) = CliRunner.Run("evaluate", "--zzz", "1");
        Assert.Equal(2, code);
        Assert.Equal("error: apc evaluate has no option --zzz; apc evaluate --help lists them.", error.Trim());
        // An option of another compress method still names the methods that have it.
        (code, error) = CliRunner.Run("compress", "kd", "--ratio", "0.3");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --ratio is an option of ", error);
    }

    [Theory]
    [InlineData("error: '-epochs' is not an option of apc train: long options take two dashes; did you mean --epochs?", "train", "-epochs", "3")]
    [InlineData("error: '--e' is not an option of apc train: a long option's name has two letters or more; did you mean --epochs?", "train", "--e", "3")]
    [InlineData("error: apc compress structured has no option --teach; did you mean --teacher? (apc compress structured --help lists them)", "compress", "structured", "--teach", "t.ckpt")]
    [InlineData("error: apc train has no option -x; apc train --help lists them.", "train", "-x")]
    [InlineData("error: apc has no command 'trian'; did you mean train? apc --help lists them.", "trian")]
    [InlineData("error: apc has no command 'frobnicate'; apc --help lists them.", "frobnicate")]
    public void SlipsOfTheKeyboardAreNamedAsTyped(string expected, params string[] args)
    {
        var (code, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal(expected, error.Trim());
    }

    [Fact]
    public void TheVerbsAreTheRegisteredCommands()
    {
        foreach (var verb in new[] { "train", "info", "import", "compress", "evaluate", "explain", "export", "experiment", "demo", "stage" })
            Assert.Contains(verb, OptionSuggestion.Verbs);
        // Each is a command the parser knows (its help exits 0; an unknown name exits 2).
        foreach (var verb in OptionSuggestion.Verbs)
            Assert.Equal(0, CliRunner.Run(verb, "--help").Code);
    }

    [Fact]
    public void AnOptionWithNothingAfterItsEqualsSignIsNamed()
    {
        var (code, error) = CliRunner.Run("evaluate", "--model=");
        Assert.Equal(2, code);
        Assert.Equal("error: option --model needs a value: nothing follows '=' in '--model=' (an empty value is given as --model \"\").", error.Trim());
    }
}
