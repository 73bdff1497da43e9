using System.Security.Cryptography;
using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// <c>replay --threads N</c> writes the same bytes for every N: workers are steered by source, and the output is put
/// back in input order (issue: deterministic multi-threaded replay).
/// </summary>
public sealed class ThreadedReplayTests
{
    [Theory]
    [InlineData("--datagrams 3000 --size 1200-8000 --hosts 300 --ipv6-share 0.3 --shuffle 64 --drop-share 0.02 --seed 11")]
    [InlineData("--datagrams 2000 --size 100-4000 --hosts 30 --ipv6-share 0.6 --shuffle 200 --overlap-share 0.3 --drop-share 0.05 --seed 12")]
    public void Replays_with_one_two_and_four_workers_on_any_number_of_threads_write_identical_captures_counters_and_events(string arguments)
    {
        using var temp = new TempDirectory();
        Assert.True(File.Exists(RepositoryPaths.Genfrag), $"genfrag.py not found at {RepositoryPaths.Genfrag} (../shared beside the repository)");
        string input = temp.File("w.pcap");
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", .. arguments.Split(' ')]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);

        string? reference = null;
        string? referenceStats = null;
        string? referenceEvents = null;
        // Workers and the threads that run them: the default (as the cores allow), each worker a thread of its own,
        // and several workers sharing one thread.
        foreach ((string threads, string workerThreads) in new[] { ("1", "0"), ("2", "0"), ("4", "0"), ("2", "2"), ("4", "4"), ("4", "3"), ("4", "1") })
        {
            string run = threads + "-" + workerThreads;
            string output = temp.File($"out{run}.pcap");
            string stats = temp.File($"stats{run}.json");
            string events = temp.File($"events{run}.jsonl");
            // A short IPv4 timeout makes expiry decisions (and timeout events) part of the comparison.
            ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "-o", output, "--stats", stats, "--events", events, "--threads", threads, "--worker-threads", workerThreads, "--ipv4-timeout", "0.0005", "-q");
            Assert.True(result.ExitCode == 0, $"{run}: {result.StandardError}");

            string eventLines = File.ReadAllText(events);
            Assert.Contains("\"kind\":\"timeout\"", eventLines, StringComparison.Ordinal);
            referenceEvents ??= eventLines;
            Assert.Equal(referenceEvents, eventLines);
            string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(output)));
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(stats));
            string counters = json.RootElement.GetProperty("ipv4").GetRawText() + json.RootElement.GetProperty("ipv6").GetRawText();
            Assert.True(json.RootElement.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() > 100, "the workload should reassemble plenty");
            reference ??= hash;
            referenceStats ??= counters;
            Assert.Equal(reference, hash);
            Assert.Equal(referenceStats, counters);
        }
    }

    [Fact]
    public void Statistics_of_a_replay_on_several_threads_say_where_each_stage_spent_its_time()
    {
        using var temp = new TempDirectory();
        string input = temp.File("w.pcap");
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", "--datagrams", "3000", "--size", "1200-8000", "--hosts", "300", "--shuffle", "64", "--seed", "31"]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);

        string stats = temp.File("stats2.json");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "-o", temp.File("out2.pcap"), "--stats", stats, "--threads", "2", "--worker-threads", "2");
        Assert.True(result.ExitCode == 0, result.StandardError);
        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(stats)))
        {
            JsonElement pipeline = json.RootElement.GetProperty("pipeline");
            long frames = json.RootElement.GetProperty("capture").GetProperty("Frames").GetInt64();
            Assert.Equal(2, pipeline.GetProperty("Workers").GetInt32());
            Assert.Equal(2, pipeline.GetProperty("WorkerThreads").GetInt32());

            // Segments hold at most 512 frames (and at most 512 KiB, which these frames never fill first by much).
            long segments = pipeline.GetProperty("Segments").GetInt64();
            Assert.InRange(segments, (frames + 511) / 512, frames);
            Assert.True(pipeline.GetProperty("ReaderWaitingSeconds").GetDouble() >= 0);
            Assert.True(pipeline.GetProperty("WritingSeconds").GetDouble() > 0, "the reader wrote every segment");
            foreach (string name in new[] { "WorkerBusySeconds", "WorkerWaitingSeconds" })
            {
                JsonElement perWorker = pipeline.GetProperty(name);
                Assert.Equal(2, perWorker.GetArrayLength());
                foreach (JsonElement seconds in perWorker.EnumerateArray())
                {
                    Assert.True(seconds.GetDouble() >= 0, $"{name}: {seconds}");
                }
            }

            double busy = pipeline.GetProperty("WorkerBusySeconds")[0].GetDouble() + pipeline.GetProperty("WorkerBusySeconds")[1].GetDouble();
            Assert.True(busy > 0, "the workers reassembled every frame");
        }

        Assert.Contains("threads: 2 workers on 2 thread(s) busy ", result.StandardError, StringComparison.Ordinal);

        // Left to the cores, the workers get no more threads than leave the reader a core of its own.
        string chosen = temp.File("stats-default.json");
        ProcessRunner.Result byCores = ProcessRunner.Reassembly("replay", input, "-o", temp.File("out-default.pcap"), "--stats", chosen, "--threads", "4", "-q");
        Assert.True(byCores.ExitCode == 0, byCores.StandardError);
        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(chosen)))
        {
            JsonElement pipeline = json.RootElement.GetProperty("pipeline");
            Assert.Equal(4, pipeline.GetProperty("Workers").GetInt32());
            Assert.Equal(Math.Clamp(Environment.ProcessorCount - 1, 1, 4), pipeline.GetProperty("WorkerThreads").GetInt32());
            Assert.Equal(pipeline.GetProperty("WorkerThreads").GetInt32(), pipeline.GetProperty("WorkerBusySeconds").GetArrayLength());
        }

        // One thread has no pipeline, so neither the key nor the line.
        string single = temp.File("stats1.json");
        ProcessRunner.Result one = ProcessRunner.Reassembly("replay", input, "-o", temp.File("out1.pcap"), "--stats", single, "--threads", "1");
        Assert.True(one.ExitCode == 0, one.StandardError);
        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(single)))
        {
            Assert.False(json.RootElement.TryGetProperty("pipeline", out _));
        }

        Assert.DoesNotContain("threads:", one.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", "3")]
    [InlineData("4", "-1")]
    public void Worker_threads_outside_one_to_the_worker_count_are_a_usage_error(string threads, string workerThreads)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "multi-interface.pcapng"), "--threads", threads, "--worker-threads", workerThreads);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"--worker-threads must be 0 (as the cores allow) or between 1 and --threads ({threads})", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_capture_read_from_a_named_pipe_replays_as_the_file_does_with_one_and_two_threads()
    {
        // A file is memory-mapped and its frames are referenced in place; a named pipe cannot be mapped (nor seek), so
        // it is read through the pipe and the parallel replay copies each frame into its segment. Both must agree.
        using var temp = new TempDirectory();
        string input = temp.File("w.pcap");
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", "--datagrams", "2000", "--size", "1200-8000", "--hosts", "200", "--ipv6-share", "0.3", "--shuffle", "64", "--drop-share", "0.02", "--seed", "21"]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);
        string fromFile = temp.File("file.pcap");
        ProcessRunner.Result reference = ProcessRunner.Reassembly("replay", input, "-o", fromFile, "-q");
        Assert.True(reference.ExitCode == 0, reference.StandardError);

        foreach (string threads in new[] { "1", "2" })
        {
            string fifo = temp.File($"input{threads}.fifo");
            ProcessRunner.Result made = ProcessRunner.Run("mkfifo", [fifo]);
            Assert.True(made.ExitCode == 0, made.StandardError);
            // Opening a FIFO for writing blocks until the replay opens it for reading.
            Task feeder = Task.Run(() => File.WriteAllBytes(fifo, File.ReadAllBytes(input)));
            string output = temp.File($"fifo{threads}.pcap");

            ProcessRunner.Result result = ProcessRunner.Reassembly("replay", fifo, "-o", output, "--threads", threads, "-q");

            Assert.True(result.ExitCode == 0, result.StandardError);
            await feeder.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(File.ReadAllBytes(fromFile), File.ReadAllBytes(output));
        }
    }

    [Fact]
    public void Namespaces_by_interface_are_reported_per_namespace_and_sum_to_the_totals()
    {
        using var temp = new TempDirectory();
        string stats = temp.File("stats.json");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "multi-interface.pcapng"), "--stats", stats, "--namespace-by", "interface", "--threads", "2", "-q");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(stats));
        JsonElement namespaces = json.RootElement.GetProperty("namespaces");
        Assert.Equal(["interface=0", "interface=1", "interface=2"], namespaces.EnumerateObject().Select(p => p.Name).Order());
        foreach (string family in new[] { "ipv4", "ipv6" })
        {
            foreach (string counter in new[] { "ReasmReqds", "ReasmOKs", "NotFragmented" })
            {
                long sum = namespaces.EnumerateObject().Sum(p => p.Value.GetProperty(family).GetProperty(counter).GetInt64());
                Assert.Equal(json.RootElement.GetProperty(family).GetProperty(counter).GetInt64(), sum);
            }
        }

        Assert.Equal(1, namespaces.GetProperty("interface=1").GetProperty("InterfaceId").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + json.RootElement.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64());
    }
}
