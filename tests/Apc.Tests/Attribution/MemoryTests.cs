using Apc.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>Runs alone (see <see cref="MemoryCollection"/>): the working set is the whole process's.</summary>
[Collection(nameof(MemoryCollection))]
public class MemoryTests
{
    /// <summary>LRP exercises the most machinery (canonizer, forward trace, a graph per rule): 1,000 calls on a tiny
    /// conv net (batch of 2 at 16 px) must leave no tensor alive.</summary>
    [Fact]
    public void ThousandCallsLeakNothing()
    {
        using var g = new Generator(41);
        var conv1 = nn.Conv2d(3, 8, 3, padding: 1);
        var bn = nn.BatchNorm2d(8);
        var conv2 = nn.Conv2d(8, 8, 3, padding: 1);
        var fc = nn.Linear(8, 4);
        using (no_grad())
        {
            foreach (var p in new[] { conv1.weight!, conv2.weight!, fc.weight! }) p.normal_(0, 0.5, g);
            bn.running_var!.uniform_(0.5, 2, g);
        }
        using var model = new SequentialNet(3, 4, 16,
            ("conv1", Apc.Models.LayerKind.Conv, conv1), ("bn1", Apc.Models.LayerKind.BatchNorm, bn), ("relu1", Apc.Models.LayerKind.ReLU, nn.ReLU()),
            ("pool", Apc.Models.LayerKind.MaxPool, nn.MaxPool2d(2, 2)),
            ("conv2", Apc.Models.LayerKind.Conv, conv2), ("relu2", Apc.Models.LayerKind.ReLU, nn.ReLU()),
            ("avgpool", Apc.Models.LayerKind.AvgPool, nn.AdaptiveAvgPool2d(1)), ("flatten", Apc.Models.LayerKind.Flatten, nn.Flatten()),
            ("fc", Apc.Models.LayerKind.Linear, fc));
        using var x = rand(new long[] { 2, 3, 16, 16 }, generator: g);
        using var targets = TestNets.Targets(3, 1);
        var lrp = AttributionMethods.Create("lrp");
        void Run(int times)
        {
            for (int i = 0; i < times; i++) lrp.Attribute(model, x, targets).Dispose();
        }
        Run(10);
        Settle();
        // Counted, not measured: every tensor a call creates and does not free stays in the live count, so a leak of even
        // one tensor per call shows as +1,000. (A working-set difference was tried and failed by chance on a loaded
        // machine: the allocator's and the runtime's own growth is not the program's.)
        var liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int round = 1; round <= 5; round++)
        {
            Run(200);
            Settle();
            Assert.True(liveBefore == DisposeScopeManager.Statistics.ThreadTotalLiveCount,
                $"after {round * 200} calls, {DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore} more tensors are alive than before");
        }
    }

    [Theory]
    [MemberData(nameof(MethodContractTests.EveryMethodOnBothFamilies), MemberType = typeof(MethodContractTests))]
    public void NoMethodLeavesATensorAlive(string method, string arch)
    {
        using var model = TestNets.Build(arch, seed: 43);
        using var x = TestNets.Inputs(2, seed: 44);
        using var targets = TestNets.Targets(0, 1);
        var attribution = AttributionMethods.Create(method, MethodContractTests.Fast);
        attribution.Attribute(model, x, targets).Dispose();
        Settle();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) attribution.Attribute(model, x, targets).Dispose();
        Settle();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
