/*
 * models.h
 *		Where a backend finds the model files, and the one error it raises
 *		when one cannot be loaded.
 */
#ifndef FACEREC_MODELS_H
#define FACEREC_MODELS_H

#include "nn/nn.h"

/* share/extension/facerec_models/file of this installation */
extern void face_model_path(const char *file, char *path, size_t size);

/* ERROR F0000 (config_file_error): "could not load the <what> model" */
extern void face_model_load_failed(const char *what, const NnError *err) pg_attribute_noreturn();

#endif							/* FACEREC_MODELS_H */
