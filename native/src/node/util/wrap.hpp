// Type-tagged ObjectWraps: methods reach the C++ object only through an object this addon instance tagged.
//
// napi_unwrap trusts that `this` was wrapped by the class it is asked for. A method taken from one class's
// prototype and called on another wrapped object, or on an object of a second copy of this addon loaded
// from another path, would otherwise hand a pointer of the wrong type to C++ (better-sqlite3
// src/util/helpers.cpp guards the same way). Each class stamps its instances with its own random
// napi_type_tag in its constructor; TaggedMethod() checks the tag before unwrapping.
#pragma once
#include <napi.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "node/util/errors.hpp"

namespace mc::node {

/** The wrapped T behind `value`, or null unless `value` is an object tagged with T::kTypeTag. */
template <typename T>
T* UnwrapTagged(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object obj = value.As<Napi::Object>();
  if (!obj.CheckTypeTag(&T::kTypeTag)) return nullptr;
  return T::Unwrap(obj);
}

template <typename T, Napi::Value (T::*M)(const Napi::CallbackInfo&)>
Napi::Value CallTagged(const Napi::CallbackInfo& info) {
  T* self = UnwrapTagged<T>(info.This());
  if (self == nullptr) return ThrowTypeError(info.Env(), std::string("Illegal invocation: `this` is not a ") + T::kClassName);
  return (self->*M)(info);
}

/** A prototype method of T (writable and configurable, like a class method) that checks the type tag of
 *  `this` before calling M. Define them on the prototype after DefineClass (DefineTaggedMethods): V8
 *  takes only primitives as instance values of a class template. */
template <typename T, Napi::Value (T::*M)(const Napi::CallbackInfo&)>
Napi::PropertyDescriptor TaggedMethod(Napi::Env env, const char* name) {
  return Napi::PropertyDescriptor::Value(name, Napi::Function::New<CallTagged<T, M>>(env, name),
                                         static_cast<napi_property_attributes>(napi_writable | napi_configurable));
}

/** The class T with these TaggedMethod()s on its prototype. */
template <typename T>
Napi::Function DefineTaggedClass(Napi::Env env, std::initializer_list<Napi::PropertyDescriptor> methods) {
  Napi::Function ctor = T::DefineClass(env, T::kClassName, std::vector<Napi::ClassPropertyDescriptor<T>>{});
  ctor.Get("prototype").As<Napi::Object>().DefineProperties(methods);
  return ctor;
}

}  // namespace mc::node
