enum TrainerPlaceholder {}
