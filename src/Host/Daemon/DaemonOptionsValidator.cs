using Microsoft.Extensions.Options;

namespace Reassembly.Host.Daemon;

/// <summary>
/// Rejects bad <see cref="DaemonOptions"/> at start-up (registered with ValidateOnStart), with the same checks as a
/// reload (<see cref="DaemonSettings.TryCreate"/>): the daemon never starts capturing with a setting it would choke on.
/// </summary>
internal sealed class DaemonOptionsValidator : IValidateOptions<DaemonOptions>
{
    public ValidateOptionsResult Validate(string? name, DaemonOptions options)
    {
        var errors = new List<string>();
        return DaemonSettings.TryCreate(options, errors) is null ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
