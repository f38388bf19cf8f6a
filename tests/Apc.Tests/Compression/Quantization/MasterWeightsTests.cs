using Apc.Compression.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class MasterWeightsTests
{
    [Fact]
    public void ParametersHoldTheGridValuesOfTheMasters()
    {
        using var model = QuantTestSetup.NewModel();
        var original = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var masters = new MasterWeights(model, bits: 4);
        var state = masters.StateTensors();
        foreach (var name in WeightQuantizer.QuantizedParameters(model))
        {
            TensorAssert.Same(original[name], state["qat/master/" + name], $"master {name}");
            using var grid = WeightQuantizer.FakeQuantize(original[name], 4);
            TensorAssert.Same(grid, model.state_dict()[name], $"parameter {name}");
        }
        // Biases and batch norm are not quantized.
        TensorAssert.Same(original["features.0.bias"], model.state_dict()["features.0.bias"]);
        foreach (var t in original.Values) t.Dispose();
    }

    [Fact]
    public void AnOptimizerUpdateOfTheQuantizedWeightsMovesTheMasterStraightThrough()
    {
        using var model = QuantTestSetup.NewModel();
        using var masters = new MasterWeights(model, bits: 8);
        const string name = "features.4.weight";
        var param = model.named_parameters().First(p => p.name == name).parameter;
        using var before = masters.StateTensors()["qat/master/" + name].clone();
        // An update far below one grid step: it must accumulate in the master even though the weight may not move.
        using var update = randn_like(param) * 1e-4;
        using (no_grad()) param.add_(update);
        masters.AfterStep();

        using var after = masters.StateTensors()["qat/master/" + name].clone();
        TensorAssert.Close(before + update, after, rtol: 0, atol: 1e-6, what: "master moved by the optimizer's update");
        using var grid = WeightQuantizer.FakeQuantize(after, 8);
        TensorAssert.Same(grid, param.detach(), "parameter back on the master's grid");
    }
}
