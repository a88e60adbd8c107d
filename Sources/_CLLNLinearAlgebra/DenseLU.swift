/// Dense LU with partial pivoting, in place, for the small Jacobians of the idealized solver.
public enum DenseLU {
    /// Factors the row-major n×n matrix `a` in place (L below the diagonal, U on and above it)
    /// and solves `a · x = b` for the right-hand side `b` given in `x` (overwritten with the
    /// solution). `pivots[k]` receives the row swapped into row k. Returns false for a singular
    /// (or non-finite) matrix, leaving `a` and `x` partly updated.
    ///
    /// The caller guarantees that `a` holds n² and `x` and `pivots` n elements.
    public static func factorAndSolve(
        n: Int, a: UnsafeMutablePointer<Double>, x: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
    ) -> Bool {
        for col in 0..<n {
            var pivot = col
            var best = abs(a[col * n + col])
            for row in (col + 1)..<max(n, col + 1) where abs(a[row * n + col]) > best {
                best = abs(a[row * n + col])
                pivot = row
            }
            guard best > 0, best.isFinite else { return false }
            pivots[col] = pivot
            if pivot != col {
                for j in 0..<n { swap(&a[col * n + j], &a[pivot * n + j]) }
                swap(&x[col], &x[pivot])
            }
            let inverse = 1 / a[col * n + col]
            for row in (col + 1)..<max(n, col + 1) {
                let factor = a[row * n + col] * inverse
                if factor == 0 { continue }
                a[row * n + col] = factor
                for j in (col + 1)..<n { a[row * n + j] -= factor * a[col * n + j] }
                x[row] -= factor * x[col]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for j in (row + 1)..<max(n, row + 1) { sum -= a[row * n + j] * x[j] }
            x[row] = sum / a[row * n + row]
        }
        return true
    }
}
