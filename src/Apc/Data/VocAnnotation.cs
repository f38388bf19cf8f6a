using System.Xml;
using System.Xml.Linq;

namespace Apc.Data;

/// <summary>Reads the labels of one PASCAL VOC annotation file (Annotations/ID.xml): the class of every
/// &lt;object&gt;&lt;name&gt; directly under the root. Nested names (the &lt;part&gt;s of person layouts) are not classes.</summary>
public static class VocAnnotation
{
    private static readonly Dictionary<string, int> ClassIndex =
        VocDataset.VocClassNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);

    /// <summary>Bit k set when class k (in <see cref="VocDataset.VocClassNames"/> order) occurs. Every problem (not
    /// XML, no root element, an object without a name, an unknown class) is an <see cref="ApcException"/> naming the file.</summary>
    public static int ReadLabelBits(string path)
    {
        XDocument doc;
        try
        {
            // No DTD processing and no external entities: an annotation is plain data.
            using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new ApcException($"VOC annotation '{path}' is malformed XML: {OneLine(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApcException($"VOC annotation '{path}' cannot be read: {OneLine(e.Message)}", e);
        }
        if (doc.Root is null) throw new ApcException($"VOC annotation '{path}' has no root element.");
        int bits = 0;
        foreach (var obj in doc.Root.Elements("object"))
        {
            string? name = obj.Element("name")?.Value.Trim();
            if (string.IsNullOrEmpty(name))
                throw new ApcException($"VOC annotation '{path}' has an <object> without a <name>.");
            if (!ClassIndex.TryGetValue(name, out int k))
                throw new ApcException($"VOC annotation '{path}' names unknown class '{OneLine(name)}'; VOC classes are: {string.Join(", ", VocDataset.VocClassNames)}.");
            bits |= 1 << k;
        }
        return bits;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
