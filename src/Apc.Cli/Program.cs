Console.WriteLine("apc");
