using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class EnergyPointingTests
{
    [Fact]
    public void ShareOfPositiveMassInsideTheMask()
    {
        using var scope = NewDisposeScope();
        // Positive mass: 1 inside, 3 outside; the -2 inside does not count.
        var maps = tensor(new float[] { 1, -2, 3, 0, /* second sample */ 2, 2, 0, 0 }).view(2, 2, 2);
        var masks = tensor(new float[] { 1, 1, 0, 0, /* second */ 1, 1, 0, 0 }).view(2, 2, 2);
        var energy = EnergyPointing.Compute(maps, masks);
        Assert.Equal(0.25, energy[0], 12);
        Assert.Equal(1.0, energy[1], 12);
    }

    [Fact]
    public void UndefinedWithoutPositiveMass()
    {
        using var scope = NewDisposeScope();
        var energy = EnergyPointing.Compute(tensor(new float[] { 0, -1, -2, 0 }).view(1, 2, 2), ones(1, 2, 2));
        Assert.True(double.IsNaN(energy[0]));
    }
}
