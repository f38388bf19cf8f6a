using CsCheck;

namespace Apc.Tests.Fuzz;

/// <summary>Fuzzing of every parser of user input (issue 8 §7; targets in <see cref="FuzzWorld"/>). Two tests per
/// target: the committed corpus of inputs that once broke it is replayed, and a fixed list of mutated seed inputs
/// (drawn by a seeded generator) is checked. Both are deterministic. A longer campaign: set APC_FUZZ_SECONDS (seconds per
/// target) and run <c>./test --filter FullyQualifiedName~Fuzz</c>: the sample then runs that long under CsCheck from a random seed,
/// and every failing input is added to the corpus before the test fails (scripts/fuzz.sh).</summary>
public class FuzzTests(FuzzWorld world, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FuzzWorld>
{
    /// <summary>Mutated inputs per target in the fixed-seed sample.</summary>
    const int Iterations = 150;

    /// <summary>A campaign's summary line, also appended to the file APC_FUZZ_REPORT names (scripts/fuzz.sh prints it).</summary>
    void Report(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("APC_FUZZ_REPORT") is { Length: > 0 } file) File.AppendAllText(file, line + "\n");
    }

    [Theory]
    [MemberData(nameof(FuzzWorld.TargetNames), MemberType = typeof(FuzzWorld))]
    public void EveryInputOfTheCorpusIsAcceptedOrRefusedInOneLine(string name)
    {
        var target = world.Targets[name];
        using var scratch = new TempFolder();
        var folder = FuzzProperty.CorpusFolder(name);
        var inputs = target.Seeds.Select((s, i) => ($"seed {i}", s)).ToList();
        if (Directory.Exists(folder))
            inputs.AddRange(Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))));
        foreach (var (label, input) in inputs)
        {
            var violation = FuzzProperty.Violation(target, input, scratch.Path);
            Assert.True(violation is null, $"{name} {label}: {violation}");
        }
    }

    [Theory]
    [MemberData(nameof(FuzzWorld.TargetNames), MemberType = typeof(FuzzWorld))]
    public void MutatedSeedInputsAreAcceptedOrRefusedInOneLine(string name)
    {
        var target = world.Targets[name];
        using var scratch = new TempFolder();
        int? seconds = int.TryParse(Environment.GetEnvironmentVariable("APC_FUZZ_SECONDS"), out var s) && s > 0 ? s : null;
        byte[] Mutated(int seed, int draw, int rounds)
        {
            var rng = new Random(draw);
            var input = target.Seeds[seed];
            for (int r = 0; r < rounds; r++) input = target.Mutate(input, rng);
            return input;
        }
        if (seconds is null)
        {
            // The test suite's sample: a fixed list of mutated inputs from a seeded generator, the same on every run.
            // (CsCheck's seed fixes only the first of its iterations, so its sample is not deterministic.)
            var pick = new Random(20201030);
            for (int i = 0; i < Iterations; i++)
            {
                var input = Mutated(pick.Next(target.Seeds.Count), pick.Next(), pick.Next(1, 5));
                if (FuzzProperty.Violation(target, input, scratch.Path) is { } violation)
                    Assert.Fail($"{name}: input {i}, {input.Length} bytes: {Convert.ToHexString(input)}\n{violation}");
            }
            return;
        }
        var inputs = Gen.Int[0, target.Seeds.Count - 1].Select(Gen.Int, Gen.Int[1, 4], Mutated);
        long tried = 0;
        int kept = 0;
        inputs.Sample(input =>
        {
            tried++;
            var violation = FuzzProperty.Violation(target, input, scratch.Path);
            if (violation is null) return;
            // CsCheck then shrinks, calling again with smaller failing inputs: keep the first three of a campaign, not all.
            if (kept++ < 3)
            {
                violation += $"\nkept as {FuzzProperty.Keep(name, input)}";
                Report($"{name}: fault after {tried} inputs: {violation.Split('\n')[0]}");
            }
            Assert.Fail($"{name}: {violation}");
        },
        // A campaign: a random seed, for the given time.
        iter: -1, time: seconds.Value, threads: 1,
        print: input => $"{input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}",
        writeLine: line => output.WriteLine($"{name}: {line}"));
        Report($"{name}: {tried} inputs in {seconds} s, no fault");
    }
}
