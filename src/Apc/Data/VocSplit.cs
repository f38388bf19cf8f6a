namespace Apc.Data;

/// <summary>Which PASCAL VOC 2012 image list a <see cref="VocDataset"/> reads.</summary>
public enum VocSplit
{
    /// <summary>ImageSets/Main/train.txt (5,717 images), labels only.</summary>
    Train,
    /// <summary>ImageSets/Main/val.txt (5,823 images), labels only.</summary>
    Val,
    /// <summary>ImageSets/Segmentation/val.txt (1,449 images), labels and SegmentationClass masks; the
    /// localisation split of the reference protocol.</summary>
    SegVal,
}
