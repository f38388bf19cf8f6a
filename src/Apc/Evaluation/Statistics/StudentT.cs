namespace Apc.Evaluation.Statistics;

/// <summary>Student's t distribution: the quantile that a t-interval needs. The CDF comes from the regularized
/// incomplete beta function (F(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0), evaluated by Lentz's continued
/// fraction; the quantile is found by bisection to machine precision. Accurate to about 1e-12, which is far
/// below what an interval over a few seeds can resolve.</summary>
public static class StudentT
{
    /// <summary>The p-quantile t_{p,ν}, e.g. Quantile(0.975, 2) = 4.302653 (the 95 % two-sided critical value).</summary>
    /// <param name="p">Probability in (0, 1).</param>
    /// <param name="degreesOfFreedom">ν ≥ 1 (not necessarily an integer).</param>
    public static double Quantile(double p, double degreesOfFreedom)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "the probability must be in (0, 1).");
        if (!(degreesOfFreedom >= 1) || double.IsInfinity(degreesOfFreedom))
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "the degrees of freedom must be a finite number ≥ 1.");
        if (p == 0.5) return 0;
        if (p < 0.5) return -Quantile(1 - p, degreesOfFreedom);
        double low = 0, high = 1;
        while (Cdf(high, degreesOfFreedom) < p) { low = high; high *= 2; }
        for (int i = 0; i < 200 && high - low > 1e-15 * high; i++)
        {
            double mid = 0.5 * (low + high);
            if (Cdf(mid, degreesOfFreedom) < p) low = mid; else high = mid;
        }
        return 0.5 * (low + high);
    }

    /// <summary>P(T ≤ t) for ν degrees of freedom.</summary>
    public static double Cdf(double t, double degreesOfFreedom)
    {
        if (double.IsNaN(t)) return double.NaN;
        double tail = 0.5 * RegularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>I_x(a, b) (Numerical Recipes §6.4: continued fraction, using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
    /// where it converges faster).</summary>
    internal static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - front * BetaContinuedFraction(1 - x, b, a) / b;
    }

    static double BetaContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300, epsilon = 1e-16;
        double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 1000; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d; h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < epsilon) break;
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms; relative error about 1e-15).</summary>
    internal static double LogGamma(double x)
    {
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double sum = c[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) sum += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
