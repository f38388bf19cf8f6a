namespace Apc.Data;

/// <summary>Which data set to open and how much of it. Sizes left null take the data set's default:
/// fashion-scenes 8,000 train / 1,000 val / 1,000 test scenes; VOC every image of each list.</summary>
public sealed record DataOptions
{
    /// <summary>"fashion-scenes" (default), or "voc:ROOT" with ROOT the VOC2012 folder.</summary>
    public string Dataset { get; init; } = DatasetFactory.FashionScenes;
    /// <summary>Folder with the Fashion-MNIST IDX files; null: <see cref="FashionMnist.DefaultFolder"/>.</summary>
    public string? DataRoot { get; init; }
    /// <summary>Training items (null: the data set's default).</summary>
    public int? TrainSize { get; init; }
    /// <summary>Validation items (null: the default).</summary>
    public int? ValSize { get; init; }
    /// <summary>Test items (null: the default).</summary>
    public int? TestSize { get; init; }
    /// <summary>Square image side; null: the data set's own (64 for fashion-scenes, where it sets the canvas; 227 for VOC).</summary>
    public int? ImageSize { get; init; }
    /// <summary>Seed of scene composition (fashion-scenes). Batch order and augmentation take theirs from <see cref="BatchLoader"/>.</summary>
    public int Seed { get; init; }
    /// <summary>Scene composition; its Canvas is replaced by <see cref="ImageSize"/> when that is given.</summary>
    public FashionScenesOptions Scenes { get; init; } = new();
}
