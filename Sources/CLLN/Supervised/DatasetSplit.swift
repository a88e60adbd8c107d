/// How a classification data set is divided into training and test sets (config key `split`).
public enum SplitMethod: String, Sendable, Hashable, Codable, CaseIterable, ConfigChoice {
    public static let configKey = "split"
    /// Per class, round(0.2 × its count) test samples chosen by a seeded shuffle of that class
    /// (``LabeledDataset/stratifiedSplit(testFraction:seed:)``; digits 1,438/359).
    case stratified
    /// The sets of scikit-learn's `train_test_split(X, y, test_size=0.2, random_state=split_seed,
    /// stratify=y)`, sample for sample (``LabeledDataset/scikitLearnSplit(testFraction:seed:)``;
    /// digits 1,437/360): the split published scikit-learn-based trainers report on.
    case scikitLearn = "scikit-learn"

    /// How summaries name a split: "seed 7" for the default method, "scikit-learn, seed 0" otherwise.
    public static func label(_ method: SplitMethod?, seed: UInt64) -> String {
        (method.map { $0 == .stratified ? "" : "\($0.rawValue), " } ?? "") + "seed \(seed)"
    }
}

/// Why a split cannot be made.
public enum DatasetSplitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// numpy's legacy seeding takes seeds in 0…2³² − 1 only.
    case seedOutOfRange(UInt64)

    public var description: String {
        switch self {
        case let .seedOutOfRange(seed):
            "split: scikit-learn takes split_seed in 0...4294967295 (numpy's seed range), got \(seed); "
                + "use a smaller split_seed or split: stratified"
        }
    }
}

extension LabeledDataset {
    /// Sample indices split by `method` (test fraction 0.2 for both methods' published uses).
    public func split(_ method: SplitMethod, testFraction: Double, seed: UInt64) throws(DatasetSplitError) -> (train: [Int], test: [Int]) {
        switch method {
        case .stratified: stratifiedSplit(testFraction: testFraction, seed: seed)
        case .scikitLearn: try scikitLearnSplit(testFraction: testFraction, seed: seed)
        }
    }

    /// The training and test sets scikit-learn's `StratifiedShuffleSplit` draws for
    /// `train_test_split(…, test_size: testFraction, random_state: seed, stratify: labels)`:
    /// ⌈testFraction·n⌉ test samples, the rest for training, spread over the classes by its
    /// "approximate mode" and chosen within each class by numpy's legacy `RandomState(seed)`
    /// (MT19937). Membership matches scikit-learn's exactly (checked against its output for
    /// several seeds); both lists are in increasing index order, as in ``stratifiedSplit(testFraction:seed:)``.
    public func scikitLearnSplit(testFraction: Double, seed: UInt64) throws(DatasetSplitError) -> (train: [Int], test: [Int]) {
        guard let seed32 = UInt32(exactly: seed) else { throw .seedOutOfRange(seed) }
        var rng = NumpyLegacyGenerator(seed: seed32)
        let testCount = Int((testFraction * Double(count)).rounded(.up))
        let trainCount = count - testCount
        // Classes in sorted order, each class's members in increasing index order.
        let classes = Array(Set(labels)).sorted()
        let members = classes.map { c in labels.indices.filter { labels[$0] == c } }
        let classCounts = members.map(\.count)
        let trainPerClass = Self.approximateMode(classCounts, draws: trainCount, using: &rng)
        let remaining = zip(classCounts, trainPerClass).map { $0 - $1 }
        let testPerClass = Self.approximateMode(remaining, draws: testCount, using: &rng)
        var train: [Int] = []
        var test: [Int] = []
        for (k, indices) in members.enumerated() {
            let order = rng.permutation(indices.count).map { indices[$0] }
            train += order.prefix(trainPerClass[k])
            test += order.dropFirst(trainPerClass[k]).prefix(testPerClass[k])
        }
        // scikit-learn then permutes both lists; that draws after the sets are fixed, so only
        // their order would differ.
        return (train.sorted(), test.sorted())
    }

    /// scikit-learn's `_approximate_mode`: per class ⌊count/total·draws⌋, then one more for the
    /// classes with the largest remainders until `draws` are placed, ties broken by the
    /// generator (a legacy `choice` without replacement: a permutation of the tied classes).
    static func approximateMode(_ counts: [Int], draws: Int, using rng: inout NumpyLegacyGenerator) -> [Int] {
        let total = Double(counts.reduce(0, +))
        let continuous = counts.map { Double($0) / total * Double(draws) }
        var placed = continuous.map { $0.rounded(.down) }
        var missing = draws - Int(placed.reduce(0, +))
        let remainders = zip(continuous, placed).map { $0 - $1 }
        for value in Set(remainders).sorted(by: >) where missing > 0 {
            let tied = remainders.indices.filter { remainders[$0] == value }
            let taking = min(tied.count, missing)
            for pick in rng.permutation(tied.count).prefix(taking) { placed[tied[pick]] += 1 }
            missing -= taking
        }
        return placed.map { Int($0) }
    }
}

/// numpy's legacy `RandomState(seed)` for an integer seed: MT19937 seeded by `init_genrand`,
/// with the legacy bounded draws and Fisher–Yates `permutation`. Only what scikit-learn's
/// stratified split uses; a stream equal to numpy's, value for value.
struct NumpyLegacyGenerator {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
    }

    /// The next 32-bit output (MT19937 `genrand_int32`).
    mutating func nextUInt32() -> UInt32 {
        if position == 624 { regenerate() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        position = 0
    }

    /// Uniform in 0…`maximum` (inclusive) by masked rejection, as numpy's legacy `random_interval`.
    mutating func interval(_ maximum: UInt32) -> UInt32 {
        guard maximum > 0 else { return 0 }
        var mask = maximum
        for shift in [1, 2, 4, 8, 16] as [UInt32] { mask |= mask >> shift }
        while true {
            let value = nextUInt32() & mask
            if value <= maximum { return value }
        }
    }

    /// A random order of 0..<n, as numpy's legacy `permutation(n)` (Fisher–Yates from the end).
    mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        for i in stride(from: n - 1, through: 1, by: -1) {
            order.swapAt(i, Int(interval(UInt32(i))))
        }
        return order
    }
}
