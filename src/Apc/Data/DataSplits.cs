namespace Apc.Data;

/// <summary>The splits of an opened data set. For fashion-scenes all three carry masks. For VOC, Train and Val
/// are ImageSets/Main/{train,val} (labels only) and Test is ImageSets/Segmentation/val with masks (the
/// localisation split), or null when that list is absent.</summary>
public sealed record DataSplits(IDataset Train, IDataset Val, IDataset? Test);
