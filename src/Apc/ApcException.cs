namespace Apc;

/// <summary>A problem caused by the user's input or environment (bad file, bad value). The CLI prints
/// its message as one line and exits with code 1; no stack trace unless --verbose.</summary>
public class ApcException : Exception
{
    public ApcException(string message) : base(message) { }
    public ApcException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A command line that cannot be carried out as written (unknown option value, value out of
/// range). The CLI exits with code 2.</summary>
public sealed class UsageException : ApcException
{
    public UsageException(string message) : base(message) { }
}
