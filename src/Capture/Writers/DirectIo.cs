using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Reassembly.Capture.Writers;

/// <summary>
/// Switches an open file between buffered and direct (<c>O_DIRECT</c>) writes on Linux. .NET has no public option for
/// <c>O_DIRECT</c> and its hidden <c>FILE_FLAG_NO_BUFFERING</c> value is ignored on Unix, so the flag is set with
/// <c>fcntl(F_SETFL)</c> on the handle once it is open.
/// </summary>
/// <remarks>
/// Why bother: a replay writes about as many bytes as it reads. Through the page cache, each output byte is copied by the
/// kernel on the writer thread and then again written back by a flusher thread, and on a two-core machine both compete
/// with parsing and reassembly; the write-back of one run's output also slows the next. A direct write is a DMA from our
/// buffer, the way Arkime writes its capture files.
/// </remarks>
internal static partial class DirectIo
{
    /// <summary>Buffer address, length and file offset of a direct write must be multiples of this (the largest logical block size in use).</summary>
    public const int Alignment = 4096;

    private const int GetStatusFlags = 3;   // F_GETFL
    private const int SetStatusFlags = 4;   // F_SETFL
    private const int DirectFlag = 0x4000;  // O_DIRECT on x86-64 and arm64 Linux

    /// <summary>Turns direct writes on; false where the platform or the file system does not offer them (tmpfs, macOS...).</summary>
    public static bool TryEnable(SafeFileHandle file) => SetDirect(file, on: true);

    /// <summary>Turns direct writes off again, for a write that is not aligned (the tail of the file).</summary>
    public static bool TryDisable(SafeFileHandle file) => SetDirect(file, on: false);

    private static bool SetDirect(SafeFileHandle file, bool on)
    {
        if (!OperatingSystem.IsLinux() || !(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            return false;
        }

        int descriptor = (int)file.DangerousGetHandle();
        int flags = FileControl(descriptor, GetStatusFlags, 0);
        if (flags < 0)
        {
            return false;
        }

        int wanted = on ? flags | DirectFlag : flags & ~DirectFlag;
        return wanted == flags || FileControl(descriptor, SetStatusFlags, wanted) == 0;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FileControl(int descriptor, int command, int argument);
}
