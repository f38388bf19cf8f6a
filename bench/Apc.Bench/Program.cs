Console.WriteLine("apc benchmarks");
