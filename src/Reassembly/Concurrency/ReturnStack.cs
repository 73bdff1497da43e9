using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>An object that can sit on a <see cref="ReturnStack{T}"/>: the stack links the objects themselves.</summary>
/// <typeparam name="T">The object type.</typeparam>
internal interface IReturnStackNode<T>
    where T : class
{
    /// <summary>The next object on the stack; written only by <see cref="ReturnStack{T}.Push"/> and the owner's walk.</summary>
    T? NextReturned { get; set; }
}

/// <summary>
/// Objects given back to their owner from any thread: other threads push (one compare-and-swap), and only the owner
/// takes, always the whole stack at once (one exchange), so there is no ABA problem and no lock.
/// </summary>
/// <remarks>
/// The CAS in <see cref="Push"/> is a full fence that publishes the object's fields (its link and whatever the caller
/// wrote before pushing) before the object is reachable; it pairs with the exchange in <see cref="TakeAll"/>, after
/// which the owner walks the detached list through <see cref="IReturnStackNode{T}.NextReturned"/> alone. Intrusive, so
/// pushing allocates nothing. Embed it as a field of the owner and call it on that field (it is a mutable struct).
/// </remarks>
/// <typeparam name="T">The objects returned.</typeparam>
internal struct ReturnStack<T>
    where T : class, IReturnStackNode<T>
{
    private T? _head;

    /// <summary>On any thread: puts <paramref name="item"/> on the stack.</summary>
    public void Push(T item)
    {
        T? head = Volatile.Read(ref _head);
        while (true)
        {
            item.NextReturned = head;
            T? seen = Interlocked.CompareExchange(ref _head, item, head);
            if (seen == head)
            {
                return;
            }

            head = seen;
        }
    }

    /// <summary>On the owner's thread: detaches and returns every object pushed so far (linked, newest first), or null.</summary>
    public T? TakeAll() => Interlocked.Exchange(ref _head, null);
}
