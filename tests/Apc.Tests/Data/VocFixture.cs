using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Apc.Data;
using SkiaSharp;

namespace Apc.Tests.Data;

/// <summary>Writes a tiny PASCAL VOC 2012 folder into a temporary directory: four JPEGs drawn with SkiaSharp
/// (dark background, each object a bright rectangle), their XML annotations, palette (indexed) segmentation
/// PNGs with a ring of void (255) pixels around every object, and the list files
/// ImageSets/Main/{train,val}.txt and ImageSets/Segmentation/val.txt. Deleted on Dispose.</summary>
/// <remarks>Main/train: <see cref="Cat"/>, <see cref="Planes"/>. Main/val: <see cref="DogAndPerson"/>,
/// <see cref="Bird"/>. Segmentation/val: <see cref="DogAndPerson"/>, <see cref="Planes"/>.</remarks>
public sealed class VocFixture : IDisposable
{
    /// <summary>An object: class name and its box [X0,X1) x [Y0,Y1) in pixels.</summary>
    public sealed record VocObject(string Name, int X0, int Y0, int X1, int Y1);

    public sealed record VocImage(string Id, int Width, int Height, VocObject[] Objects)
    {
        /// <summary>The class indices present, ascending.</summary>
        public int[] ClassIndices => Objects.Select(o => VocDataset.VocClassNames.ToList().IndexOf(o.Name)).Distinct().Order().ToArray();

        /// <summary>The segmentation indices the fixture writes: 0 background, 1..20 class, 255 void ring.</summary>
        public byte[] MaskIndices()
        {
            var mask = new byte[Width * Height];
            foreach (var o in Objects)   // void ring first, so objects drawn after it win
                Fill(mask, o.X0 - 1, o.Y0 - 1, o.X1 + 1, o.Y1 + 1, 255);
            foreach (var o in Objects)
                Fill(mask, o.X0, o.Y0, o.X1, o.Y1, (byte)(VocDataset.VocClassNames.ToList().IndexOf(o.Name) + 1));
            return mask;
        }

        private void Fill(byte[] mask, int x0, int y0, int x1, int y1, byte value)
        {
            for (int y = Math.Max(0, y0); y < Math.Min(Height, y1); y++)
                for (int x = Math.Max(0, x0); x < Math.Min(Width, x1); x++) mask[y * Width + x] = value;
        }
    }

    public static readonly VocImage DogAndPerson = new("2008_000001", 40, 40,
        [new("dog", 4, 6, 20, 30), new("person", 24, 10, 36, 38)]);
    public static readonly VocImage Cat = new("2008_000002", 32, 24, [new("cat", 8, 4, 24, 20)]);
    public static readonly VocImage Planes = new("2008_000003", 48, 36,
        [new("aeroplane", 2, 3, 22, 17), new("aeroplane", 5, 21, 16, 34), new("tvmonitor", 28, 8, 46, 28)]);
    public static readonly VocImage Bird = new("2008_000004", 30, 40, [new("bird", 6, 10, 24, 30)]);

    public static readonly SKColor Background = new(30, 30, 30);
    public static readonly SKColor ObjectColour = new(235, 210, 60);

    private VocFixture(string root) { Root = root; }

    public string Root { get; }

    public static IReadOnlyList<VocImage> TrainImages => [Cat, Planes];
    public static IReadOnlyList<VocImage> ValImages => [DogAndPerson, Bird];
    public static IReadOnlyList<VocImage> SegValImages => [DogAndPerson, Planes];

    public static VocFixture Create()
    {
        string root = Path.Combine(Path.GetTempPath(), "apc-voc-" + Guid.NewGuid().ToString("N"), "VOC2012");
        foreach (var dir in new[] { "JPEGImages", "Annotations", "SegmentationClass", "ImageSets/Main", "ImageSets/Segmentation" })
            Directory.CreateDirectory(Path.Combine(root, dir));
        var fixture = new VocFixture(root);
        foreach (var image in new[] { DogAndPerson, Cat, Planes, Bird })
        {
            WriteJpeg(fixture.ImagePath(image.Id), image);
            File.WriteAllText(fixture.AnnotationPath(image.Id), AnnotationXml(image));
        }
        foreach (var image in SegValImages)
            WritePalettePng(fixture.MaskPath(image.Id), image.Width, image.Height, image.MaskIndices());
        WriteList(Path.Combine(root, "ImageSets/Main/train.txt"), TrainImages);
        WriteList(Path.Combine(root, "ImageSets/Main/val.txt"), ValImages);
        WriteList(Path.Combine(root, "ImageSets/Segmentation/val.txt"), SegValImages);
        return fixture;
    }

    public string ImagePath(string id) => Path.Combine(Root, "JPEGImages", id + ".jpg");
    public string AnnotationPath(string id) => Path.Combine(Root, "Annotations", id + ".xml");
    public string MaskPath(string id) => Path.Combine(Root, "SegmentationClass", id + ".png");

    public static void WriteJpeg(string path, VocImage image)
    {
        using var bitmap = new SKBitmap(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Background);
            using var paint = new SKPaint { Color = ObjectColour, IsAntialias = false };
            foreach (var o in image.Objects) canvas.DrawRect(new SKRect(o.X0, o.Y0, o.X1, o.Y1), paint);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    public static string AnnotationXml(VocImage image)
    {
        var xml = new StringBuilder();
        xml.Append($"<annotation>\n  <folder>VOC2012</folder>\n  <filename>{image.Id}.jpg</filename>\n");
        xml.Append($"  <size><width>{image.Width}</width><height>{image.Height}</height><depth>3</depth></size>\n");
        foreach (var o in image.Objects)
        {
            xml.Append($"  <object>\n    <name>{o.Name}</name>\n    <difficult>0</difficult>\n");
            xml.Append($"    <bndbox><xmin>{o.X0 + 1}</xmin><ymin>{o.Y0 + 1}</ymin><xmax>{o.X1}</xmax><ymax>{o.Y1}</ymax></bndbox>\n");
            // Person layout annotations nest named parts; they are not classes and must be ignored.
            if (o.Name == "person") xml.Append("    <part><name>head</name></part>\n");
            xml.Append("  </object>\n");
        }
        xml.Append("</annotation>\n");
        return xml.ToString();
    }

    /// <summary>An indexed (colour type 3) PNG whose palette is the VOC colour map, as VOC ships its masks.</summary>
    public static void WritePalettePng(string path, int width, int height, byte[] indices)
    {
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            var (r, g, b) = VocColour(i);
            palette[3 * i] = r; palette[3 * i + 1] = g; palette[3 * i + 2] = b;
        }
        File.WriteAllBytes(path, Png(width, height, colourType: 3, indices, palette));
    }

    /// <summary>A grey (colour type 0) PNG holding raw values, as SegmentationClassAug ships its masks.</summary>
    public static void WriteGreyPng(string path, int width, int height, byte[] values) =>
        File.WriteAllBytes(path, Png(width, height, colourType: 0, values, palette: null));

    /// <summary>An RGB PNG (colour type 2) of <paramref name="rgb"/>: R, G, B bytes per pixel, row-major.</summary>
    public static void WriteRgbPng(string path, int width, int height, byte[] rgb) =>
        File.WriteAllBytes(path, Png(width, height, colourType: 2, rgb, palette: null));

    /// <summary>An RGB PNG (colour type 2) with the given colour everywhere.</summary>
    public static void WriteSolidRgbPng(string path, int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++) { rgb[3 * p] = r; rgb[3 * p + 1] = g; rgb[3 * p + 2] = b; }
        File.WriteAllBytes(path, Png(width, height, colourType: 2, rgb, palette: null));
    }

    /// <summary>The VOC colour of index i, computed here independently of the library: bit 3j+c of i goes to
    /// bit 7-j of channel c.</summary>
    public static (byte R, byte G, byte B) VocColour(int i)
    {
        var channels = new int[3];
        for (int bit = 0; bit < 8; bit++)
            if ((i >> bit & 1) != 0) channels[bit % 3] |= 1 << (7 - bit / 3);
        return ((byte)channels[0], (byte)channels[1], (byte)channels[2]);
    }

    private static void WriteList(string path, IEnumerable<VocImage> images) =>
        File.WriteAllText(path, string.Join("\n", images.Select(i => i.Id)) + "\n");

    private static byte[] Png(int width, int height, byte colourType, byte[] pixels, byte[]? palette)
    {
        int bytesPerPixel = colourType == 2 ? 3 : 1;
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; header[9] = colourType;
        Chunk(png, "IHDR", header);
        if (palette is not null) Chunk(png, "PLTE", palette);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0);   // filter type None
                zlib.Write(pixels, y * width * bytesPerPixel, width * bytesPerPixel);
            }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    internal static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true); } catch (IOException) { }
    }
}
