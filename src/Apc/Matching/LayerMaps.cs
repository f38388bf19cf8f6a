using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The normalised maps of one matching layer for a batch (method.md §2.2); owns the two map tensors.</summary>
/// <param name="Label">The layer as the user named it (or "default").</param>
/// <param name="TeacherLayer">Canonical node name in the teacher.</param>
/// <param name="StudentLayer">Canonical node name in the student.</param>
/// <param name="Weight">w_l.</param>
/// <param name="Teacher">M̂_T, [P,H·W], no graph.</param>
/// <param name="Student">M̂_S, [P,H·W], attached to the student's graph when asked for.</param>
public sealed record LayerMaps(string Label, string TeacherLayer, string StudentLayer, double Weight, Tensor Teacher, Tensor Student) : IDisposable
{
    /// <summary>Disposes both maps.</summary>
    public void Dispose()
    {
        Teacher.Dispose();
        Student.Dispose();
    }
}
