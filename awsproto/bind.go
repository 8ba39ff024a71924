package awsproto

import (
	"fmt"
	"reflect"
	"sync"
	"time"
)

var timeType = reflect.TypeOf(time.Time{})

// scalarKinds are the Go kinds a scalar shape binds to.
var scalarKinds = map[kind][]reflect.Kind{
	kindString:  {reflect.String},
	kindInteger: {reflect.Int32, reflect.Int64, reflect.Int},
	kindBoolean: {reflect.Bool},
	kindDouble:  {reflect.Float64, reflect.Float32},
}

// checkBinding reports whether Go type t can hold shape s: a structure is
// a struct whose exported fields are exactly its members, by name; a list
// a slice; a map a map with string keys; a timestamp a time.Time; and any
// of them may be behind a pointer. It runs once at start-up, so that
// binding itself cannot fail.
func checkBinding(s *shape, t reflect.Type, seen map[*shape]bool) error {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch s.kind {
	case kindStructure:
		return checkStructBinding(s, t, seen)
	case kindList:
		if t.Kind() != reflect.Slice {
			return fmt.Errorf("%s: list %s needs a slice", t, s.name)
		}
		return checkBinding(s.elem.target, t.Elem(), seen)
	case kindMap:
		if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s: map %s needs a map with string keys", t, s.name)
		}
		return checkBinding(s.value.target, t.Elem(), seen)
	case kindTimestamp:
		if t != timeType {
			return fmt.Errorf("%s: timestamp %s needs time.Time", t, s.name)
		}
		return nil
	}
	for _, k := range scalarKinds[s.kind] {
		if t.Kind() == k {
			return nil
		}
	}
	return fmt.Errorf("%s: cannot hold shape %s", t, s.name)
}

func checkStructBinding(s *shape, t reflect.Type, seen map[*shape]bool) error {
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("%s: structure %s needs a struct", t, s.name)
	}
	if seen[s] {
		return nil
	}
	seen[s] = true
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && s.member(f.Name) == nil {
			return fmt.Errorf("%s.%s: no member of %s has that name", t, f.Name, s.name)
		}
	}
	for _, m := range s.members {
		f, ok := t.FieldByName(m.name)
		if !ok {
			return fmt.Errorf("%s: no field for member %s.%s", t, s.name, m.name)
		}
		if err := checkBinding(m.target, f.Type, seen); err != nil {
			return err
		}
	}
	return nil
}

// bindStructure stores the checked members of a structure into the struct
// dst, by member name. checkBinding has proved every assignment valid.
func bindStructure(dst reflect.Value, s *shape, v map[string]any) {
	index := fieldIndexes(dst.Type(), s)
	for i, m := range s.members {
		if mv, ok := v[m.name]; ok {
			bind(dst.FieldByIndex(index[i]), m.target, mv)
		}
	}
}

// structFields is a struct type bound to a structure shape.
type structFields struct {
	t reflect.Type
	s *shape
}

// fieldIndex holds, for each structFields, the field index of each of the
// shape's members: Value.FieldByName compares every field's name, for
// every member of every structure of every request (125 calls for a
// 25-record BatchMeterUsage).
var fieldIndex sync.Map // structFields -> [][]int

// fieldIndexes returns the field index of each member of s in the struct
// type t, which checkBinding has proved to have them all.
func fieldIndexes(t reflect.Type, s *shape) [][]int {
	k := structFields{t, s}
	if index, ok := fieldIndex.Load(k); ok {
		return index.([][]int)
	}
	index := make([][]int, len(s.members))
	for i, m := range s.members {
		f, _ := t.FieldByName(m.name)
		index[i] = f.Index
	}
	fieldIndex.Store(k, index)
	return index
}

// bind stores a checked value (see check) into dst.
func bind(dst reflect.Value, s *shape, v any) {
	if dst.Kind() == reflect.Pointer {
		p := reflect.New(dst.Type().Elem())
		bind(p.Elem(), s, v)
		dst.Set(p)
		return
	}
	switch v := v.(type) {
	case map[string]any:
		bindMapping(dst, s, v)
	case []any:
		list := reflect.MakeSlice(dst.Type(), len(v), len(v))
		for i, e := range v {
			bind(list.Index(i), s.elem.target, e)
		}
		dst.Set(list)
	case string:
		dst.SetString(v)
	case int64:
		dst.SetInt(v)
	case bool:
		dst.SetBool(v)
	case float64:
		dst.SetFloat(v)
	case time.Time:
		dst.Set(reflect.ValueOf(v))
	}
}

// bindMapping stores a structure or a map.
func bindMapping(dst reflect.Value, s *shape, v map[string]any) {
	if s.kind == kindStructure {
		bindStructure(dst, s, v)
		return
	}
	m := reflect.MakeMapWithSize(dst.Type(), len(v))
	for k, e := range v {
		elem := reflect.New(dst.Type().Elem()).Elem()
		bind(elem, s.value.target, e)
		m.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), elem)
	}
	dst.Set(m)
}
