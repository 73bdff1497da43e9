using System.Text.Json;

namespace Reassembly.Host.Replay;

/// <summary>
/// The <c>--events</c> output: one JSON object per anomaly, one per line, written as the engine reports them
/// (<c>-</c> for standard output). Fields that do not apply to a kind are left out.
/// </summary>
/// <remarks>
/// Cold path: anomalies are rare next to frames, so formatting addresses here may allocate. A write failure becomes an
/// <see cref="OutputFailedException"/>, which ends the replay with exit code 3 as any other output failure.
/// </remarks>
internal sealed class AnomalyJsonLinesWriter : IAnomalySink, IDisposable
{
    private readonly string _path;
    private Stream? _stream;
    private Utf8JsonWriter? _json;

    public AnomalyJsonLinesWriter(string path)
    {
        _path = path;
    }

    public long Written { get; private set; }

    /// <summary>Opens the output. Throws <see cref="OutputFailedException"/> when it cannot be created.</summary>
    public void Open()
    {
        try
        {
            _stream = _path == "-"
                ? Console.OpenStandardOutput()
                : new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Indented = false, SkipValidation = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException(_path, e);
        }
    }

    public void OnAnomaly(in AnomalyEvent anomaly)
    {
        Utf8JsonWriter json = _json ?? throw new InvalidOperationException("Open the events output first.");
        try
        {
            json.WriteStartObject();
            json.WriteNumber("ts_ns", anomaly.TimestampNanoseconds);
            json.WriteString("kind", AnomalyKindNames.ToName(anomaly.Kind));
            json.WriteString("namespace", anomaly.Namespace);
            json.WriteString("family", anomaly.Family switch { IpFamily.Ipv4 => "ipv4", IpFamily.Lowpan => "lowpan", _ => "ipv6" });
            json.WriteString("src", anomaly.GetSourceAddress().ToString());
            json.WriteString("dst", anomaly.GetDestinationAddress().ToString());
            json.WriteNumber("id", anomaly.Identification);
            json.WriteString("policy", OverlapPolicyNames.ToName(anomaly.Policy));
            WriteIfKnown(json, "frame_index", anomaly.FrameIndex);
            WriteIfKnown(json, "other_frame_index", anomaly.OtherFrameIndex);
            WriteIfKnown(json, "offset", anomaly.FragmentOffset);
            WriteIfKnown(json, "end", anomaly.FragmentEnd);
            if (anomaly.OverlapStart >= 0)
            {
                json.WriteNumber("overlap_start", anomaly.OverlapStart);
                json.WriteNumber("overlap_end", anomaly.OverlapEnd);
                json.WriteBoolean("bytes_differ", anomaly.BytesDiffer);
            }

            EndLine(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException(_path, e);
        }
    }

    /// <summary>Writes one record that is not an engine anomaly (a policy divergence): <paramref name="body"/> writes its properties.</summary>
    public void WriteRecord(Action<Utf8JsonWriter> body)
    {
        Utf8JsonWriter json = _json ?? throw new InvalidOperationException("Open the events output first.");
        try
        {
            json.WriteStartObject();
            body(json);
            EndLine(json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException(_path, e);
        }
    }

    /// <summary>Hands what was written so far to the operating system (the daemon calls it periodically).</summary>
    public void Flush()
    {
        try
        {
            _stream?.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFailedException(_path, e);
        }
    }

    public void Dispose()
    {
        _json?.Dispose();
        _stream?.Dispose();
        _json = null;
        _stream = null;
    }

    /// <summary>Closes the record's object and ends its line.</summary>
    private void EndLine(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.Flush();
        json.Reset();
        _stream!.WriteByte((byte)'\n');
        Written++;
    }

    private static void WriteIfKnown(Utf8JsonWriter json, string name, long value)
    {
        if (value >= 0)
        {
            json.WriteNumber(name, value);
        }
    }
}
