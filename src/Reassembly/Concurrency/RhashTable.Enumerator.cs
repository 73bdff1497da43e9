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
        private RhashBucketTable? _table;
        private RhashNode? _node;
        private int _index;

        internal Enumerator(RhashBucketTable oldest)
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
                    _node = Volatile.Read(ref _node.Next);

                    // A chain ends on a bucket: our own, or, if the entry we stood on moved, one of the next table, in
                    // which case nothing of ours was behind it (moves take the tail first). Either way, next bucket.
                    if (_node is not null && !_node.IsBucket)
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

                _node = _table[_index];
            }

            _node = null;
            return false;
        }
    }
}
