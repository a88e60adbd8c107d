/// The compressed-column (CSC) sparsity pattern of a structurally symmetric n×n matrix with a
/// full diagonal: column j holds rows `rowIndex[columnStart[j] ..< columnStart[j + 1]]`, sorted
/// and without repeats.
public struct SparsePattern: Sendable, Equatable {
    /// Offsets of each column's first entry in ``rowIndex`` (n + 1 values, the last = entries).
    public let columnStart: [Int32]
    /// Row of each stored entry, column by column.
    public let rowIndex: [Int32]

    /// The matrix order n.
    public var order: Int { columnStart.count - 1 }
    /// Stored entries (the length of a values array for this pattern).
    public var entryCount: Int { rowIndex.count }

    /// The pattern of the n×n matrix with the diagonal and, for every pair (i, j) in `pairs`,
    /// the entries (i, j) and (j, i). Indices must lie in 0..<n; repeated pairs are stored once.
    public init(order n: Int, symmetricPairs pairs: [(Int, Int)]) {
        var rows = [[Int]](repeating: [], count: n)  // rows[j]: row indices in column j
        for j in 0..<n { rows[j].append(j) }
        for (i, j) in pairs {
            rows[j].append(i)
            rows[i].append(j)
        }
        var columnStart = [Int32](repeating: 0, count: n + 1)
        var rowIndex: [Int32] = []
        rowIndex.reserveCapacity(rows.reduce(0) { $0 + $1.count })
        for j in 0..<n {
            rows[j].sort()
            var previous = -1
            for r in rows[j] where r != previous {
                rowIndex.append(Int32(r))
                previous = r
            }
            columnStart[j + 1] = Int32(rowIndex.count)
        }
        self.columnStart = columnStart
        self.rowIndex = rowIndex
    }

    /// Position in a values array of entry (`row`, `column`), or `nil` when the pattern does not
    /// store it (binary search within the column).
    public func position(row: Int, column: Int) -> Int? {
        var lo = Int(columnStart[column]), hi = Int(columnStart[column + 1]) - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = Int(rowIndex[mid])
            if r == row { return mid }
            if r < row { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
