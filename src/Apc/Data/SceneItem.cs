namespace Apc.Data;

/// <summary>One Fashion-MNIST item placed in a scene: which source image (an index into the Fashion-MNIST
/// training file for train scenes, into the test file for val and test scenes), its class, and the square
/// box it occupies on the canvas (top-left corner and side, in pixels).</summary>
public sealed record SceneItem(int SourceIndex, int ClassIndex, int X, int Y, int Size);
