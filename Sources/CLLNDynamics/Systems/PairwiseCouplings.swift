/// Bookkeeping shared by the networks whose parameters are pairwise couplings: the coupling list,
/// which nodes each parameter touches, and whether every parameter acts in both directions.
struct PairwiseCouplings: Sendable {
    let couplings: [Coupling]
    let parameterCount: Int
    let isReciprocal: Bool
    private let touched: [[Int]]
    /// Whether parameter i is a symmetric (shared or on-site) coupling rather than a directed one.
    private let isSymmetric: [Bool]

    init(_ couplings: [Coupling]) {
        self.couplings = couplings
        parameterCount = (couplings.map(\.parameter).max() ?? -1) + 1
        var touched = [Set<Int>](repeating: [], count: parameterCount)
        var directions = [Int](repeating: 0, count: parameterCount)
        for coupling in couplings {
            touched[coupling.parameter].formUnion([coupling.target, coupling.source])
            directions[coupling.parameter] += coupling.target == coupling.source ? 2 : 1
        }
        self.touched = touched.map { $0.sorted() }
        isSymmetric = directions.map { $0 == 2 }
        isReciprocal = isSymmetric.allSatisfy { $0 }
    }

    func nodes(touchedBy index: Int) -> [Int] {
        touched[index]
    }

    /// "k[2,5]" for a symmetric coupling, "k[5←2]" for a directed one.
    func name(_ index: Int, symbol: String) -> String {
        if isSymmetric[index] {
            return "\(symbol)[\(touched[index].map(String.init).joined(separator: ","))]"
        }
        let coupling = couplings.first { $0.parameter == index }!
        return "\(symbol)[\(coupling.target)←\(coupling.source)]"
    }
}
