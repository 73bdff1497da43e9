using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>Lock-free enumeration for the table's owner (expire all, statistics).</summary>
internal sealed partial class RhashTable<TKey, TEntry>
{
    /// <summary>
    /// Enumerates the entries without locking or allocating. Concurrent writers are allowed: an entry present for the
    /// whole enumeration is yielded at least once (twice if a rehash moves it from a bucket already visited to one not
    /// yet visited); entries inserted or removed meanwhile may or may not be. Removing the current entry is allowed.
    /// </summary>
    public Enumerator GetEnumerator() => new(Volatile.Read(ref _oldest));

    /// <summary>A walk over every bucket of every table in flight, oldest first.</summary>
    internal struct Enumerator
    {
        private RhashBucketTable<TKey>? _table;
        private RhashEntry<TKey>? _node;
        private int _index;

        internal Enumerator(RhashBucketTable<TKey> oldest)
        {
            _table = oldest;
            _index = -1;
            Current = null!;
        }

        /// <summary>The current entry.</summary>
        public TEntry Current { get; private set; }

        /// <summary>Advances to the next entry.</summary>
        public bool MoveNext()
        {
            while (_table is not null)
            {
                if (_node is not null)
                {
                    RhashEntry<TKey>? next = Volatile.Read(ref _node.Next);

                    // If the entry we stood on left this chain (moved, removed), its link may lead elsewhere; a moved
                    // entry was the tail, so nothing of ours is behind it. Either way, on to the next bucket.
                    _node = _node.HomeTable == _table && _node.HomeIndex == _index ? next : null;
                    if (_node is not null)
                    {
                        Current = Unsafe.As<TEntry>(_node);
                        return true;
                    }
                }

                if (++_index == _table.Size)
                {
                    _table = _table.Future;
                    _index = 0;
                    if (_table is null)
                    {
                        break;
                    }
                }

                _node = Volatile.Read(ref _table.Head(_index));
                if (_node is not null)
                {
                    Current = Unsafe.As<TEntry>(_node);
                    return true;
                }
            }

            _node = null;
            return false;
        }
    }
}
