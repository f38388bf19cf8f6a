using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>The usual initialisation for ReLU CNNs (as torchvision's VGG and ResNet): Kaiming-normal convs
/// (fan-out), BN scale 1 shift 0, linear N(0, 0.01), zero biases. Deterministic under torch.manual_seed.</summary>
public static class WeightInit
{
    /// <summary>Initialises every conv, batch norm and linear layer of <paramref name="module"/> as torchvision does.</summary>
    public static void Apply(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case TorchSharp.Modules.Convolution conv:
                    nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case TorchSharp.Modules.NormBase bn:
                    if (bn.weight is not null) nn.init.ones_(bn.weight);
                    if (bn.bias is not null) nn.init.zeros_(bn.bias);
                    break;
                case TorchSharp.Modules.Linear linear:
                    nn.init.normal_(linear.weight!, 0, 0.01);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }
}
