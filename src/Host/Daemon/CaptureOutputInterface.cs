namespace Reassembly.Host.Daemon;

/// <summary>One interface the daemon captures from, as its output files declare it.</summary>
internal sealed record CaptureOutputInterface(string Name, LinkType LinkType);
