/// The JSON of Assets/presets/*.json, compiled in (see `Preset`); PresetTests keeps them equal.
/// After editing a preset file, paste it here unchanged.
enum PresetFiles {
    static let json: [String: String] = [
        "tiny": #"""
{
  "name": "tiny",
  "windowLength": 50,
  "tokenizerVocabSize": 512,
  "maxAnswerTokens": 48,
  "lmBlockLength": 64,
  "encoder": {
    "dModel": 32,
    "layers": 1,
    "heads": 2,
    "mlpHidden": 128
  },
  "llm": {
    "vocabSize": 512,
    "dModel": 64,
    "layers": 2,
    "heads": 2,
    "mlpHidden": 192,
    "contextLength": 256,
    "ropeBase": 10000,
    "normEps": 1e-05,
    "crossAttention": false,
    "initStd": 0.02
  },
  "perceiver": {
    "latents": 8,
    "layers": 1,
    "heads": 2
  },
  "lora": {
    "rank": 4,
    "alpha": 8
  },
  "stages": {
    "lm": {
      "steps": 60,
      "batchSize": 16,
      "learningRate": 0.003,
      "warmupSteps": 6,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 30,
      "evalBatches": 2,
      "patience": 0
    },
    "encoder": {
      "steps": 60,
      "batchSize": 16,
      "learningRate": 0.003,
      "warmupSteps": 6,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 30,
      "evalBatches": 2,
      "patience": 0
    },
    "finetune": {
      "steps": 60,
      "batchSize": 16,
      "learningRate": 0.003,
      "warmupSteps": 6,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 30,
      "evalBatches": 2,
      "patience": 0
    },
    "finetuneTP": {
      "steps": 30,
      "batchSize": 8,
      "learningRate": 0.003,
      "warmupSteps": 3,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 15,
      "evalBatches": 2,
      "patience": 0
    }
  },
  "seed": 0
}
"""#,
        "small": #"""
{
  "name": "small",
  "windowLength": 50,
  "tokenizerVocabSize": 4096,
  "maxAnswerTokens": 48,
  "lmBlockLength": 128,
  "encoder": {
    "dModel": 128,
    "layers": 2,
    "heads": 4,
    "mlpHidden": 512,
    "tiedItemHead": true,
    "pretrainingDropout": 0.2,
    "residualDropout": 0.2
  },
  "llm": {
    "vocabSize": 4096,
    "dModel": 256,
    "layers": 4,
    "heads": 4,
    "mlpHidden": 768,
    "contextLength": 1024,
    "ropeBase": 10000,
    "normEps": 1e-05,
    "crossAttention": false,
    "initStd": 0.02
  },
  "perceiver": {
    "latents": 32,
    "layers": 2,
    "heads": 4
  },
  "lora": {
    "rank": 8,
    "alpha": 16
  },
  "stages": {
    "lm": {
      "steps": 80,
      "batchSize": 16,
      "learningRate": 0.001,
      "warmupSteps": 20,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 40,
      "evalBatches": 4,
      "patience": 3
    },
    "encoder": {
      "steps": 300,
      "batchSize": 32,
      "learningRate": 0.002,
      "warmupSteps": 20,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 100,
      "evalBatches": 4,
      "patience": 3
    },
    "finetune": {
      "steps": 300,
      "batchSize": 32,
      "learningRate": 0.0005,
      "warmupSteps": 10,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 100,
      "evalBatches": 4,
      "patience": 3,
      "gateLearningRateScale": 100
    },
    "finetuneTP": {
      "steps": 150,
      "batchSize": 4,
      "learningRate": 0.0005,
      "warmupSteps": 5,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 50,
      "evalBatches": 2,
      "patience": 3
    }
  },
  "seed": 0
}
"""#,
        "base": #"""
{
  "name": "base",
  "windowLength": 50,
  "tokenizerVocabSize": 8192,
  "maxAnswerTokens": 48,
  "lmBlockLength": 256,
  "encoder": {
    "dModel": 128,
    "layers": 2,
    "heads": 4,
    "mlpHidden": 512,
    "tiedItemHead": true,
    "pretrainingDropout": 0.5,
    "residualDropout": 0.5,
    "auxiliaryLossWeight": 0
  },
  "llm": {
    "vocabSize": 8192,
    "dModel": 512,
    "layers": 8,
    "heads": 8,
    "mlpHidden": 1536,
    "contextLength": 2048,
    "ropeBase": 10000,
    "normEps": 1e-05,
    "crossAttention": false,
    "initStd": 0.02
  },
  "perceiver": {
    "latents": 32,
    "layers": 2,
    "heads": 8
  },
  "lora": {
    "rank": 8,
    "alpha": 16
  },
  "stages": {
    "lm": {
      "steps": 3000,
      "batchSize": 32,
      "learningRate": 0.0006,
      "warmupSteps": 100,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 250,
      "evalBatches": 8,
      "patience": 4
    },
    "encoder": {
      "steps": 3000,
      "batchSize": 32,
      "learningRate": 0.002,
      "warmupSteps": 100,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 150,
      "evalBatches": 8,
      "patience": 6
    },
    "finetune": {
      "steps": 3000,
      "batchSize": 32,
      "learningRate": 0.0003,
      "warmupSteps": 100,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 250,
      "evalBatches": 8,
      "patience": 4
    },
    "finetuneTP": {
      "steps": 1000,
      "batchSize": 8,
      "learningRate": 0.0003,
      "warmupSteps": 50,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 250,
      "evalBatches": 4,
      "patience": 4
    }
  },
  "seed": 0
}
"""#,
        "smol": #"""
{
  "name": "smol",
  "backbone": "smollm2-135m",
  "windowLength": 50,
  "tokenizerVocabSize": 49152,
  "maxAnswerTokens": 48,
  "lmBlockLength": 128,
  "encoder": {
    "dModel": 128,
    "layers": 2,
    "heads": 4,
    "mlpHidden": 512
  },
  "llm": {
    "vocabSize": 49152,
    "dModel": 576,
    "layers": 30,
    "heads": 9,
    "kvHeads": 3,
    "mlpHidden": 1536,
    "contextLength": 8192,
    "ropeBase": 100000,
    "normEps": 1e-05,
    "ropeStyle": "interleaved",
    "crossAttention": false,
    "crossAttentionEvery": 3,
    "initStd": 0.02
  },
  "perceiver": {
    "latents": 32,
    "layers": 2,
    "heads": 4
  },
  "lora": {
    "rank": 8,
    "alpha": 16
  },
  "stages": {
    "lm": {
      "steps": 0,
      "batchSize": 16,
      "learningRate": 0.001,
      "warmupSteps": 20,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 40,
      "evalBatches": 4,
      "patience": 3
    },
    "encoder": {
      "steps": 300,
      "batchSize": 32,
      "learningRate": 0.001,
      "warmupSteps": 20,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 100,
      "evalBatches": 4,
      "patience": 3
    },
    "finetune": {
      "steps": 150,
      "batchSize": 8,
      "learningRate": 0.0003,
      "warmupSteps": 10,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 50,
      "evalBatches": 4,
      "patience": 3,
      "gateLearningRateScale": 100
    },
    "finetuneTP": {
      "steps": 40,
      "batchSize": 2,
      "learningRate": 0.0001,
      "warmupSteps": 2,
      "weightDecay": 0.1,
      "gradClip": 1.0,
      "evalEvery": 20,
      "evalBatches": 2,
      "patience": 3,
      "timeBudgetSeconds": 900
    }
  },
  "seed": 0
}
"""#,
    ]
}
